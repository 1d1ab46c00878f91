import Agent
import Logging
import ServiceLifecycle
import Foundation
import Store
import Wire

/// `p2pmq agent --config FILE`: the agent until SIGINT/SIGTERM, then a graceful stop (gRPC
/// drained, connections closed, the log flushed).
struct AgentDaemon {
    var configPath: String
    var strictConfig = false
    var dataDir: String?
    var grpc: String?
    var metrics: String?
    /// The agent's own logs, and the libp2p layers' (host, gossipsub).
    var logLevel: Logger.Level
    var libp2pLogLevel: Logger.Level

    static func hostPort(_ address: String, _ what: String) throws -> (String, Int) {
        guard let split = AgentConfig.splitHostPort(address) else {
            throw AgentError(.invalidConfig, "\(what) address \(address) is not host:port")
        }
        return split
    }

    func run() async throws {
        var config = try AgentConfig.load(path: configPath, strict: strictConfig)
        if let dataDir { config.dataDir = dataDir }
        if let grpc { config.grpcAddress = grpc }
        if let metrics { config.metricsAddress = metrics }
        let logger = LogOptions.logger("p2pmq.agent", level: logLevel), libp2pLogger = LogOptions.logger("p2pmq.libp2p", level: libp2pLogLevel)
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
        let node = try AgentNode(config: config, identity: identity, logger: logger, libp2pLogger: libp2pLogger)
        let server = AgentServer(node: node, address: grpcAddress)
        var metricsServer: MetricsServer?
        if let address = config.metricsAddress {
            let (mhost, mport) = try Self.hostPort(address, "metrics")
            metricsServer = MetricsServer(host: mhost, port: mport, metrics: node.metrics)
        }
        let announcer = ReadyLine(node: node, server: server, grpcAddress: grpcAddress, metrics: metricsServer,
                                  peerID: identity.peerID.description, dataDir: config.dataDir, logger: logger)
        // One group: SIGINT/SIGTERM shut it down gracefully in reverse order (the ready line, then
        // gRPC drained, the metrics endpoint closed, and last the node: connections closed, the
        // log flushed). A service that ends or fails shuts the others down the same way.
        let services: [any Service] = [node] + (metricsServer.map { [$0] } ?? []) + [server, announcer]
        let group = ServiceGroup(configuration: .init(
            services: services.map { .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
        if let problem = await node.storeProblem { throw AgentError(.storeFailed, "the store failed while running: \(problem)") }
    }
}

/// Prints the agent's ready line (JSON: peer id, listen addresses, gRPC and metrics addresses,
/// data dir) once every service is up, then waits for the shutdown.
struct ReadyLine: Service {
    let node: AgentNode
    let server: AgentServer
    let grpcAddress: GRPCAddress
    let metrics: MetricsServer?
    let peerID: String
    let dataDir: String

    let logger: Logger

    func run() async throws {
        // Cancelled on shutdown: if the node failed to start, this never comes.
        guard let addresses = try? await cancelWhenGracefulShutdown({ try await node.listening.value() }) else { return }
        let served: String
        switch grpcAddress {
        case .tcp(let host, _): served = "\(host):\(try await server.port())"
        case .unix: try await server.listening(); served = grpcAddress.description
        }
        var ready = JSONLine()
        ready.add("event", "ready")
        ready.add("peer_id", peerID)
        ready.addRaw("listen", "[" + addresses.map { JSONLine.quote($0.description) }.joined(separator: ",") + "]")
        ready.add("grpc", served)
        ready.add("data_dir", dataDir)
        if let metrics, let port = try? await cancelWhenGracefulShutdown({ try await metrics.bound.value() }) {
            ready.add("metrics", "\(metrics.host):\(port)")
        }
        print(ready.text)
        fflush(nil)
        try? await gracefulShutdown()
        logger.notice("stopping: draining gRPC, closing connections, flushing the log")
    }
}
