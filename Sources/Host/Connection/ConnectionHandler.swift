import NIOCore

/// The NIO edge of a connection: moves socket bytes into the core and reports the socket closing.
final class ConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let core: ConnectionCore
    private var upgradeTimeout: Scheduled<Void>?
    private let upgradeTimeoutSeconds: Int64

    init(core: ConnectionCore, upgradeTimeoutSeconds: Int64) {
        self.core = core
        self.upgradeTimeoutSeconds = upgradeTimeoutSeconds
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let core = self.core
        let seconds = upgradeTimeoutSeconds
        let loop = context.eventLoop.assumeIsolated()
        let timeout = loop.scheduleTask(in: .seconds(seconds)) {
            core.shutdown(reason: HostError(.timeout, "security and muxer negotiation did not finish within \(seconds) s"))
        }
        upgradeTimeout = timeout
        core.ready.futureResult.assumeIsolated().whenComplete { _ in timeout.cancel() }
        if context.channel.isActive { core.start() }
    }

    func channelActive(context: ChannelHandlerContext) {
        core.start()
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        if let bytes = buffer.readBytes(length: buffer.readableBytes) { core.receive(bytes) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        core.shutdown(reason: HostError(.closed, "the remote closed the connection"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        core.shutdown(reason: error)
    }
}
