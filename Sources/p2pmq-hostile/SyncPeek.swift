import Core
import Agent
import Foundation
import Host
import NIOConcurrencyHelpers

/// What the hostile peer learns from honest agents through /p2pmq/sync/1.0.0, which serves
/// anyone: the heads and first seqs of each DON's stream (to aim stale and unrealistic seqs),
/// and recent records (real message ids for the IWANT flood, real heads for the lying server).
final class SyncPeek: Sendable {
    struct Stream: Sendable {
        var head: UInt64
        var first: UInt64
    }

    private let state = NIOLockedValueBox((streams: [String: Stream](), recentIDs: [String]()))

    /// The heads last seen, by DON id.
    var streams: [String: Stream] { state.withLockedValue { $0.streams } }
    var recentIDs: [String] { state.withLockedValue { $0.recentIDs } }

    /// Asks `connection` for its Status and the last records of `don`'s stream.
    func refresh(over connection: Connection, topic: String, don: String) async {
        guard let status = try? await ask(connection, .with { $0.status = .with { $0.topics = [topic] } }),
              let response = try? P2pmq_Sync_StatusResponse(serializedBytes: status.first ?? []) else { return }
        for h in response.heads where h.don == don {
            state.withLockedValue { $0.streams[don] = Stream(head: h.headSeq, first: h.firstSeq) }
            let start = h.headSeq > 20 ? h.headSeq - 19 : 1
            guard let frames = try? await ask(connection, .with {
                $0.range = .with { $0.topic = topic; $0.don = don; $0.startSeq = start; $0.count = 20 }
            }) else { return }
            let ids = frames.compactMap { try? P2pmq_Sync_RangeFrame(serializedBytes: $0) }.compactMap { f -> String? in
                if case .record(let r) = f.kind { return r.messageID }
                return nil
            }
            state.withLockedValue { $0.recentIDs = ids }
        }
    }

    /// One request on a fresh stream; every message of the answer.
    private func ask(_ connection: Connection, _ request: P2pmq_Sync_SyncRequest) async throws -> [[UInt8]] {
        let stream = try await connection.openStream([SyncProtocol.id])
        try await stream.writeMessage(try request.serializedBytes())
        await stream.close()
        var messages: [[UInt8]] = []
        while messages.count < 64, let m = try await stream.readMessage(maxLength: 1 << 20) { messages.append(m) }
        return messages
    }
}
