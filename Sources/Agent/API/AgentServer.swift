import GRPCCore
import ServiceLifecycle
import GRPCNIOTransportHTTP2

/// The gRPC server of a running agent: the Go p2pmq's services (ControlService, MsgRouter,
/// ValidationRouter), History, Admin and Batch (their high-rate streams), on `config.grpcAddress`, plaintext HTTP/2 (bind it to loopback or a private
/// network, as the Go agent is run).
public struct AgentServer: Sendable {
    public let node: AgentNode
    let server: GRPCServer<HTTP2ServerTransport.Posix>

    public init(node: AgentNode, host: String, port: Int) {
        self.init(node: node, address: .tcp(host: host, port: port))
    }

    public init(node: AgentNode, address: GRPCAddress) {
        self.node = node
        server = GRPCServer(
            transport: .http2NIOPosix(address: address.serverAddress, transportSecurity: .plaintext),
            services: [
                ControlService(node: node), MsgRouterService(node: node), ValidationRouterService(pool: node.validators),
                HistoryService(node: node), AdminService(node: node),
                BatchService(pool: node.validators, publish: { try await node.publish(topic: $0, data: $1) }),
            ])
    }

    /// Serves until `stop()`.
    public func serve() async throws { try await server.serve() }

    /// The bound port once `serve()` has bound (e.g. when configured with port 0).
    public func port() async throws -> Int { try await server.boundPort() }

    /// Returns once the server listens (whatever the address kind).
    public func listening() async throws {
        guard try await server.listeningAddress != nil else { throw AgentError(.invalidConfig, "the gRPC server did not bind") }
    }

    /// Graceful: no new RPCs, open Listen and Handle streams ended, then the server returns.
    public func stop() async {
        server.beginGracefulShutdown()
        await node.endStreams()
    }
}

/// The gRPC server as a service: serves until the group shuts down, then drains.
extension AgentServer: Service {
    public func run() async throws {
        let node = self.node, server = self.server
        try await withGracefulShutdownHandler {
            try await server.serve()
        } onGracefulShutdown: {
            server.beginGracefulShutdown()
            Task { await node.endStreams() }
        }
    }
}

/// A gRPC server with only `ValidationRouter.Handle`, in front of a validator pool: what
/// `p2pmq replay` serves, so a validator connects to it exactly as to a live agent.
public struct ValidationEndpoint: Sendable {
    public let pool: ValidatorPool
    let server: GRPCServer<HTTP2ServerTransport.Posix>

    public init(pool: ValidatorPool, host: String, port: Int) {
        self.pool = pool
        server = GRPCServer(
            transport: .http2NIOPosix(address: .ipv4(host: host, port: port), transportSecurity: .plaintext),
            services: [ValidationRouterService(pool: pool), BatchService(pool: pool, publish: nil)])
    }

    public func serve() async throws { try await server.serve() }

    public func port() async throws -> Int { try await server.boundPort() }

    public func stop() async {
        server.beginGracefulShutdown()
        await pool.disconnectAll()
    }
}

extension GRPCServer where Transport == HTTP2ServerTransport.Posix {
    /// The bound port once `serve()` has bound (e.g. when configured with port 0).
    func boundPort() async throws -> Int {
        let address = try await listeningAddress
        guard let port = address?.ipv4?.port ?? address?.ipv6?.port else {
            throw AgentError(.invalidConfig, "the gRPC server did not bind")
        }
        return port
    }
}
