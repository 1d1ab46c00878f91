import Wire

/// What a host is and what it allows.
public struct HostConfig: Sendable {
    public var identity: PrivateKey
    public var agentVersion = "p2pmq-swift/0.1.0"
    public var protocolVersion = "ipfs/0.1.0"
    /// TCP connect timeout.
    public var dialTimeoutSeconds: Int64 = 10
    /// A connection that has not finished security and muxer negotiation by then is closed
    /// (half-open or stalled peers).
    public var upgradeTimeoutSeconds: Int64 = 10
    /// Inbound connections beyond this are refused at once.
    public var maxConnections = 512
    public var yamux = YamuxSession.Limits()
    /// Largest length-prefixed message a protocol handler reads (identify and the like).
    public var maxMessageSize = 1 << 20
    /// Trims connections above the high water mark.
    public var connectionManager = ConnectionManagerPolicy()
    /// Pings connections and closes those that stop answering (nil: never).
    public var keepalive: KeepalivePolicy? = KeepalivePolicy()
    /// Private network key: only peers holding it can connect (libp2p pnet).
    public var psk: PreSharedKey?

    public init(identity: PrivateKey) { self.identity = identity }
}

/// An error of the host layer: dialing, limits, timeouts, closed connections.
public typealias HostError = CodedFailure<HostErrorCode>

public enum HostErrorCode: String, Sendable {
    case dialFailed, timeout, closed, limit, noAddress, protocolNotSupported
}

