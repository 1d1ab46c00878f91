import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

/// Serves `GET /metrics` (Prometheus text format) over HTTP/1.1; anything else is 404. A
/// service: it binds in `run()` (nothing happens in `init`), announces its port in `bound`, and
/// closes when the group shuts down.
public struct MetricsServer: Service {
    public let host: String
    public let port: Int
    let metrics: AgentMetrics
    /// The port it listens on, once bound (port 0 picks one).
    public let bound = Readiness<Int>()

    public init(host: String, port: Int, metrics: AgentMetrics) {
        self.host = host
        self.port = port
        self.metrics = metrics
    }

    public func run() async throws {
        let metrics = self.metrics
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(MetricsHandler(metrics: metrics))
                }
            }
            .bind(host: host, port: port).get()
        bound.set(channel.localAddress?.port ?? port)
        try? await gracefulShutdown()
        try? await channel.close()
    }
}

private final class MetricsHandler: ChannelInboundHandler, @unchecked Sendable {
    // @unchecked: used on its channel's event loop only.
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    let metrics: AgentMetrics
    private var path = ""

    init(metrics: AgentMetrics) { self.metrics = metrics }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            path = head.method == .GET ? head.uri : ""
        case .body:
            break
        case .end:
            let found = path == "/metrics" || path.hasPrefix("/metrics?")
            let body = found ? metrics.text() : "not found: GET /metrics\n"
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: found ? "text/plain; version=0.0.4" : "text/plain")
            headers.add(name: "Content-Length", value: String(body.utf8.count))
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: found ? .ok : .notFound, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}
