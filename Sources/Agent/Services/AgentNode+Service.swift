import ServiceLifecycle

/// The node as a service: starts (listens, subscribes, begins catching up and dialing), runs
/// until the group shuts down, then stops (connections closed, the log flushed).
extension AgentNode: Service {
    public func run() async throws {
        _ = try await start()
        try? await gracefulShutdown()
        await stop()
    }
}
