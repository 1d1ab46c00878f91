import GRPCCore
import GRPCNIOTransportHTTP2

/// Where the agent's gRPC API is served: `host:port` (TCP), or `unix:/path` (a Unix domain
/// socket: reachable by processes of the same machine whatever network namespace they run in, so
/// a test harness keeps its control plane when it cuts an agent's network).
public enum GRPCAddress: Sendable, Equatable, CustomStringConvertible {
    case tcp(host: String, port: Int)
    case unix(path: String)

    public init?(_ text: String) {
        if text.hasPrefix("unix:") {
            let path = String(text.dropFirst(5))
            guard !path.isEmpty else { return nil }
            self = .unix(path: path)
        } else if let (host, port) = AgentConfig.splitHostPort(text) {
            self = .tcp(host: host, port: port)
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .tcp(let host, let port): "\(host):\(port)"
        case .unix(let path): "unix:\(path)"
        }
    }

    var serverAddress: GRPCNIOTransportCore.SocketAddress {
        switch self {
        case .tcp(let host, let port): .ipv4(host: host, port: port)
        case .unix(let path): .unixDomainSocket(path: path)
        }
    }

    /// A plaintext HTTP/2 client transport to this address.
    public func clientTransport() throws -> HTTP2ClientTransport.Posix {
        switch self {
        case .tcp(let host, let port): try .http2NIOPosix(target: .ipv4(host: host, port: port), transportSecurity: .plaintext)
        case .unix(let path): try .http2NIOPosix(target: .unixDomainSocket(path: path), transportSecurity: .plaintext)
        }
    }
}
