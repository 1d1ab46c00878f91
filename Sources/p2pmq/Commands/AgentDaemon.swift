import Agent
import Foundation
import Store
import Wire

/// `p2pmq agent --config FILE`: the agent until SIGINT/SIGTERM, then a graceful stop (gRPC
/// drained, connections closed, the log flushed).
struct AgentDaemon {
    var configPath: String
    var dataDir: String?
    var grpc: String?
    var metrics: String?
    var logLevel: LogOptions

    static func hostPort(_ address: String, _ what: String) throws -> (String, Int) {
        guard let split = AgentConfig.splitHostPort(address) else {
            throw AgentError(.invalidConfig, "\(what) address \(address) is not host:port")
        }
        return split
    }

    func run() async throws {
        var config = try AgentConfig.load(path: configPath)
        if let dataDir { config.dataDir = dataDir }
        if let grpc { config.grpcAddress = grpc }
        if let metrics { config.metricsAddress = metrics }
        let logger = logLevel.logger("p2pmq.agent")
        for warning in config.warnings { logger.warning("\(warning)") }
        let identity: PrivateKey
        if let key = config.privateKey {
            identity = key
        } else {
            identity = PrivateKey.generate()
            logger.warning("no privateKey in the config: this run's peer id is \(identity.peerID); set privateKey to keep it")
        }
        guard let grpcAddress = GRPCAddress(config.grpcAddress) else {
            throw AgentError(.invalidConfig, "grpc address \(config.grpcAddress) is not host:port or unix:/path")
        }
        if case .unix(let path) = grpcAddress { unlink(path) }  // a socket left by a killed agent
        let node = try AgentNode(config: config, identity: identity, logger: logger)
        let addresses = try await node.start()
        let server = AgentServer(node: node, address: grpcAddress)
        let serving = Task { try await server.serve() }
        let served: String
        switch grpcAddress {
        case .tcp(let host, _): served = "\(host):\(try await server.port())"
        case .unix: _ = try await server.listening(); served = grpcAddress.description
        }
        var metricsServer: (host: String, server: MetricsServer)?
        if let address = config.metricsAddress {
            let (mhost, mport) = try Self.hostPort(address, "metrics")
            metricsServer = (mhost, try await MetricsServer(host: mhost, port: mport, metrics: node.metrics))
        }
        var ready = JSONLine()
        ready.add("event", "ready")
        ready.add("peer_id", identity.peerID.description)
        ready.addRaw("listen", "[" + addresses.map { JSONLine.quote($0.description) }.joined(separator: ",") + "]")
        ready.add("grpc", served)
        ready.add("data_dir", config.dataDir)
        if let metricsServer { ready.add("metrics", "\(metricsServer.host):\(metricsServer.server.port ?? 0)") }
        print(ready.text)
        fflush(nil)

        let signals = SignalWaiter([SIGINT, SIGTERM])
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await signals.wait() }
            group.addTask { _ = try? await serving.value }  // the server failing ends the agent too
            await group.next()
            logger.notice("stopping: draining gRPC, closing connections, flushing the log")
            await server.stop()  // ends the serving task, which the group waits for
            group.cancelAll()
        }
        await metricsServer?.server.close()
        await node.stop()
        if let problem = await node.storeProblem { throw AgentError(.storeFailed, "the store failed while running: \(problem)") }
    }
}
