import ServiceLifecycle

/// Samples the node's gauges (peers, validators, queue depth, drops, mesh sizes, scores) once a
/// second until the service group shuts down.
struct GaugeSampler: Service {
    let node: AgentNode
    var interval: Duration = .seconds(1)

    func run() async throws {
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            await node.refreshGauges()
        }
    }
}
