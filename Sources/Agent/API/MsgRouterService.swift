import AgentAPI
import Foundation
import GRPCCore
import Store

/// `proto.MsgRouter.Listen`: accepted messages of the requested topics (all when none), at most
/// `max_rate` per second when set (the stream waits; nothing is dropped by the limit). With
/// `start_offset` (one topic), the topic's accepted records from that offset are replayed first,
/// then live messages follow with no gap and no duplicate.
struct MsgRouterService: Proto_MsgRouter.SimpleServiceProtocol {
    let node: AgentNode

    func listen(request: Proto_ListenRequest, response: RPCWriter<Proto_Message>, context: ServerContext) async throws {
        guard request.maxRate >= 0 else { throw RPCError(code: .invalidArgument, message: "max_rate must not be negative") }
        if request.hasStartOffset, request.topics.count != 1 {
            throw RPCError(code: .invalidArgument, message: "start_offset needs exactly one topic, got \(request.topics.count)")
        }
        // Live messages are collected from before the replay starts, so none falls between.
        let (id, messages) = await node.listen(topics: Set(request.topics))
        defer { Task { await node.stopListening(id) } }
        var pacer = Pacer(perSecond: request.maxRate)
        var replayedUpTo: UInt64?
        if request.hasStartOffset {
            let topic = request.topics[0]
            guard try node.store.topic(topic) != nil else { throw RPCError(code: .notFound, message: "unknown topic '\(topic)'") }
            var batch: [Proto_Message] = []
            var offset = request.startOffset
            // Replay in batches read outside the write (a read transaction is not held across awaits).
            while true {
                batch.removeAll(keepingCapacity: true)
                try node.store.scan(topic: topic, from: offset) { r in
                    offset = r.offset + 1
                    replayedUpTo = r.offset
                    if r.verdict == .accept { batch.append(.replayed(r)) }
                    return batch.count < 512
                }
                if batch.isEmpty { break }
                for m in batch {
                    try await pacer.wait()
                    try await response.write(m)
                }
            }
        }
        for await m in messages {
            // Already replayed: persisted before the scan ended, delivered after we registered.
            if let replayedUpTo, m.offset <= replayedUpTo { continue }
            try await pacer.wait()
            try await response.write(m)
        }
    }
}

/// Spaces writes to at most `perSecond` (0: no limit).
struct Pacer {
    let interval: Duration?
    let clock = ContinuousClock()
    var next: ContinuousClock.Instant

    init(perSecond: Int64) {
        interval = perSecond > 0 ? .nanoseconds(1_000_000_000 / perSecond) : nil
        next = clock.now
    }

    mutating func wait() async throws {
        guard let interval else { return }
        if next > clock.now { try await Task.sleep(until: next, clock: clock) }
        next = max(next, clock.now).advanced(by: interval)
    }
}

extension Proto_Message {
    /// A logged record as the message a listener or validator receives (with offset and time).
    static func replayed(_ r: LogRecord) -> Proto_Message {
        .with {
            $0.messageID = r.messageID
            $0.topic = r.topic
            $0.data = Data(r.data)
            $0.from = r.from
            $0.offset = r.offset
            $0.receivedNs = Int64(clamping: r.receivedAt)
        }
    }
}
