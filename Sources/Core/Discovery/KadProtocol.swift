import Foundation
import Wire

/// The DHT's wire protocol: the protocol id go-libp2p-kad-dht builds from a prefix, the message
/// size limit, and the spec's `Peer` entries both ways.
public enum KadProtocol {
    /// `prefix + "/kad/1.0.0"`: "p2pmq" gives the Go p2pmq agent's "p2pmq/kad/1.0.0", "/ipfs" the
    /// public DHT's "/ipfs/kad/1.0.0".
    public static func id(prefix: String) -> String { prefix + "/kad/1.0.0" }

    /// Largest message read (go-libp2p-kad-dht allows 4 MiB; a k-closest answer is a few KiB).
    public static let maxMessageBytes = 1 << 20

    public static func peer(_ id: PeerID, _ addresses: [Multiaddr], connected: Bool = false) -> Dht_Pb_Message.Peer {
        .with {
            $0.id = Data(id.bytes)
            $0.addrs = addresses.map { Data($0.bytes) }
            $0.connection = connected ? .connected : .notConnected
        }
    }

    /// The peers of an answer that parse; undecodable ids and addresses are skipped, addresses
    /// capped per peer.
    public static func peers(_ list: [Dht_Pb_Message.Peer]) -> [(PeerID, [Multiaddr])] {
        list.compactMap { p in
            guard let id = try? PeerID(bytes: Array(p.id)) else { return nil }
            let addrs = p.addrs.prefix(KadRoutingTable.maxAddresses).compactMap { try? Multiaddr(bytes: Array($0)) }
            return (id, addrs)
        }
    }
}
