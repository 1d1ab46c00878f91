import AgentAPI
import GRPCCore

/// `proto.MsgRouter.Listen`: accepted messages of the requested topics (all when none), at most
/// `max_rate` per second when set (the stream waits; nothing is dropped by the limit).
struct MsgRouterService: Proto_MsgRouter.SimpleServiceProtocol {
    let node: AgentNode

    func listen(request: Proto_ListenRequest, response: RPCWriter<Proto_Message>, context: ServerContext) async throws {
        guard request.maxRate >= 0 else { throw RPCError(code: .invalidArgument, message: "max_rate must not be negative") }
        guard !request.hasStartOffset else {
            throw RPCError(code: .unimplemented, message: "start_offset (replay, then live) is not available yet")
        }
        let (id, messages) = await node.listen(topics: Set(request.topics))
        defer { Task { await node.stopListening(id) } }
        let interval: Duration? = request.maxRate > 0 ? .nanoseconds(1_000_000_000 / request.maxRate) : nil
        let clock = ContinuousClock()
        var next = clock.now
        for await m in messages {
            if let interval {
                if next > clock.now { try await Task.sleep(until: next, clock: clock) }
                next = max(next, clock.now).advanced(by: interval)
            }
            try await response.write(m)
        }
    }
}
