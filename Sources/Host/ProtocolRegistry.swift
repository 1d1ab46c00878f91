import NIOConcurrencyHelpers
import Wire

/// Handlers for inbound streams, by protocol id. Shared by every connection of a host.
public final class ProtocolRegistry: Sendable {
    public typealias Handler = @Sendable (MuxedStream) async -> Void
    private let handlers = NIOLockedValueBox<[String: Handler]>([:])

    public init() {}

    public func set(_ protocolID: String, _ handler: @escaping Handler) {
        handlers.withLockedValue { $0[protocolID] = handler }
    }

    public func remove(_ protocolID: String) {
        _ = handlers.withLockedValue { $0.removeValue(forKey: protocolID) }
    }

    public var protocols: Set<String> { handlers.withLockedValue { Set($0.keys) } }

    func handler(for protocolID: String) -> Handler? { handlers.withLockedValue { $0[protocolID] } }
}
