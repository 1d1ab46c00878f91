import Foundation
import Wire

/// What a DHT server knows and how it answers (libp2p kad-dht spec, "RPC messages"): the routing
/// table, the provider store, and the reply to each request. A state machine: the driver hands
/// it requests with their sender and time, and sends back the replies it returns.
public struct KadServer: Sendable {
    public var table: KadRoutingTable
    public var providers: ProviderStore
    public let k: Int
    /// A flood is reported (penalized) at most once per peer in this span: each penalty is a
    /// write to the penalty history, and a flood must not turn into a flood of writes. Refusals
    /// in between are still counted (`refusedUnreported`).
    public static let abuseReportInterval: Duration = .seconds(1)
    private var abuseReported: [PeerID: Instant] = [:]
    public private(set) var refusedUnreported = 0

    public init(table: KadRoutingTable, providers: ProviderStore, k: Int) {
        self.table = table
        self.providers = providers
        self.k = k
    }

    public struct Answer: Sendable {
        /// The reply to send; nil: none (ADD_PROVIDER has none; PUT_VALUE is refused by resetting
        /// the stream, values are not stored here).
        public var reply: Dht_Pb_Message?
        /// Set when the sender went over a limit (a provider flood): the driver penalizes it with
        /// this code and detail.
        public var abuse: (code: String, detail: String)?
        public var malformed = false
    }

    /// The answer to `m` from `peer` (connected from `address`) at `now`; `connected` says which
    /// peers have a live connection (reported to the asker as CONNECTED).
    public mutating func answer(_ m: Dht_Pb_Message, from peer: PeerID, address: Multiaddr?, now: Instant,
                                connected: (PeerID) -> Bool) -> Answer {
        let key = Array(m.key)
        var reply = Dht_Pb_Message()
        reply.type = m.type
        reply.key = m.key
        switch m.type {
        case .findNode:
            reply.closerPeers = closerPeers(to: key, excluding: peer, connected: connected)
        case .getProviders:
            reply.providerPeers = providers.providers(of: key, now: now).map { KadProtocol.peer($0.provider, $0.addresses) }
            reply.closerPeers = closerPeers(to: key, excluding: peer, connected: connected)
        case .addProvider:
            // Only the sender may be put as a provider (as go-libp2p-kad-dht checks).
            var abuse: (code: String, detail: String)?
            for p in KadProtocol.peers(m.providerPeers) where p.0 == peer {
                let addrs = p.1.isEmpty ? (address.map { [$0] } ?? []) : p.1
                if case .refused(let why) = providers.add(key: key, provider: peer, addresses: addrs, now: now) {
                    abuse = ("dht_provider_flood", why)
                }
            }
            return Answer(reply: nil, abuse: abuse.flatMap { reportable($0, by: peer, now: now) })
        case .ping:
            break
        case .getValue:
            // Values are not stored (no record); the closer peers still help the asker.
            reply.closerPeers = closerPeers(to: key, excluding: peer, connected: connected)
        case .putValue:
            return Answer(reply: nil)
        case .UNRECOGNIZED:
            return Answer(reply: nil, malformed: true)
        }
        return Answer(reply: reply)
    }

    /// `abuse` if `peer` was not reported within `abuseReportInterval`, else nil (counted).
    private mutating func reportable(_ abuse: (code: String, detail: String), by peer: PeerID, now: Instant) -> (code: String, detail: String)? {
        if let last = abuseReported[peer], now.since(last) < Self.abuseReportInterval {
            refusedUnreported += 1
            return nil
        }
        // Bounded: a flood from many identities forgets the oldest reports first.
        if abuseReported.count >= 4096 {
            abuseReported = abuseReported.filter { now.since($0.value) < Self.abuseReportInterval }
        }
        abuseReported[peer] = now
        return abuse
    }

    private func closerPeers(to key: [UInt8], excluding asker: PeerID, connected: (PeerID) -> Bool) -> [Dht_Pb_Message.Peer] {
        table.closest(to: KadKey(hashing: key), count: k + 1)
            .filter { $0.peer != asker }
            .prefix(k)
            .map { KadProtocol.peer($0.peer, $0.addresses, connected: connected($0.peer)) }
    }
}
