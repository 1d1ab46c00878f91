import NIOConcurrencyHelpers
import Wire

/// What a host knows of other peers: addresses and what identify told.
public struct PeerInfo: Sendable, Equatable {
    public var addresses: [Multiaddr] = []
    public var protocols: [String] = []
    public var agentVersion: String?
    public var protocolVersion: String?
    public var publicKey: PublicKey?
    /// How the peer sees us.
    public var observedAddress: Multiaddr?
}

public final class PeerStore: Sendable {
    private let peers = NIOLockedValueBox<[PeerID: PeerInfo]>([:])

    public init() {}

    public func info(_ peer: PeerID) -> PeerInfo? { peers.withLockedValue { $0[peer] } }

    public func update(_ peer: PeerID, _ body: (inout PeerInfo) -> Void) {
        peers.withLockedValue { body(&$0[peer, default: PeerInfo()]) }
    }

    public func addAddress(_ peer: PeerID, _ addr: Multiaddr) {
        update(peer) { if !$0.addresses.contains(addr) { $0.addresses.append(addr) } }
    }

    public var all: [PeerID: PeerInfo] { peers.withLockedValue { $0 } }
}
