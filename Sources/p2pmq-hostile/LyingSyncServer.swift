import Agent
import Foundation
import Core
import DON
import Gossip
import Host
import NIOConcurrencyHelpers

/// A /p2pmq/sync/1.0.0 server that lies: its Status claims a little more history than the
/// honest peers hold (within maxSeqGap, so it is believed), and the range it is then asked for
/// comes back as well-formed records whose signatures are forged.
final class LyingSyncServer: Sendable {
    let forge: ReportForge
    let peek: SyncPeek
    private let served = NIOLockedValueBox((requests: 0, records: 0))

    init(forge: ReportForge, peek: SyncPeek) {
        self.forge = forge
        self.peek = peek
    }

    var counts: (requests: Int, records: Int) { served.withLockedValue { ($0.requests, $0.records) } }

    /// How far ahead of the real head the lie goes.
    static let lead: UInt64 = 30

    func install(on host: P2PHost) {
        host.registry.set(SyncProtocol.id) { [self] stream in
            guard let bytes = try? await stream.readMessage(maxLength: 1 << 16),
                  let request = try? P2pmq_Sync_SyncRequest(serializedBytes: bytes) else { return await stream.reset() }
            switch request.kind {
            case .status:
                let don = forge.config.id, topic = forge.topic
                var response = P2pmq_Sync_StatusResponse()
                if let s = peek.streams[don] {
                    response.heads = [.with {
                        $0.topic = topic; $0.don = don; $0.headSeq = s.head + Self.lead; $0.firstSeq = s.first; $0.logLength = s.head - s.first + 1
                    }]
                }
                try? await stream.writeMessage(try response.serializedBytes())
            case .range(let r):
                served.withLockedValue { $0.requests += 1 }
                let count = min(UInt64(max(r.count, 1)), 64)
                for seq in r.startSeq..<(r.startSeq + count) {
                    guard let data = try? ReportMaker.forged(forge.config, seq: seq, payload: "hostile sync: forged", topic: forge.topic) else { break }
                    let frame = P2pmq_Sync_RangeFrame.with {
                        $0.record = .with { $0.seq = seq; $0.messageID = MessageIDFunction.contentHash(of: data); $0.data = Data(data) }
                    }
                    guard (try? await stream.writeMessage(try frame.serializedBytes())) != nil else { return await stream.reset() }
                    served.withLockedValue { $0.records += 1 }
                }
                let end = P2pmq_Sync_RangeFrame.with { $0.end = .with { $0.status = .ok; $0.nextSeq = r.startSeq + count } }
                try? await stream.writeMessage(try end.serializedBytes())
            default:
                break
            }
            await stream.close()
        }
    }
}
