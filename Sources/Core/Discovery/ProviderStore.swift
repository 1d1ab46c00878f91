import Wire

/// Provider records this node stores for others (ADD_PROVIDER) and answers with
/// (GET_PROVIDERS): who provides a key, until when (48 h TTL, as go-libp2p-kad-dht). Bounded so a
/// peer cannot flood it: at most `perKey` providers per key, `perPeer` records by one provider and
/// `total` in all; what is over is refused, counted, and the driver penalizes the sender.
///
/// Pure: time comes in as `now`.
public struct ProviderStore: Sendable {
    public struct Record: Sendable, Equatable {
        public var provider: PeerID
        public var addresses: [Multiaddr]
        public var expires: Instant
    }

    public enum Added: Sendable, Equatable {
        case stored, refreshed
        case refused(String)
    }

    public static let defaultTTL: Duration = .seconds(48 * 3600)
    public let ttl: Duration
    public let perKey: Int
    public let perPeer: Int
    public let total: Int
    private var records: [[UInt8]: [Record]] = [:]
    private var byPeer: [PeerID: Int] = [:]
    public private(set) var count = 0
    public private(set) var refused = 0

    public init(ttl: Duration = ProviderStore.defaultTTL, perKey: Int = 64, perPeer: Int = 256, total: Int = 65_536) {
        self.ttl = ttl
        self.perKey = perKey
        self.perPeer = perPeer
        self.total = total
    }

    public mutating func add(key: [UInt8], provider: PeerID, addresses: [Multiaddr], now: Instant) -> Added {
        let expires = now + ttl
        let addrs = Array(addresses.prefix(KadRoutingTable.maxAddresses))
        if let i = records[key]?.firstIndex(where: { $0.provider == provider }) {
            records[key]![i].expires = expires
            if !addrs.isEmpty { records[key]![i].addresses = addrs }
            return .refreshed
        }
        let reason: String? = (records[key]?.count ?? 0) >= perKey ? "key has \(perKey) providers"
            : byPeer[provider, default: 0] >= perPeer ? "provider has \(perPeer) records"
            : count >= total ? "store holds \(total) records" : nil
        if let reason {
            refused += 1
            return .refused(reason)
        }
        records[key, default: []].append(Record(provider: provider, addresses: addrs, expires: expires))
        byPeer[provider, default: 0] += 1
        count += 1
        return .stored
    }

    /// The live providers of `key`.
    public func providers(of key: [UInt8], now: Instant) -> [Record] {
        (records[key] ?? []).filter { $0.expires > now }
    }

    /// Drops expired records.
    public mutating func expire(now: Instant) {
        for (key, list) in records {
            let live = list.filter { $0.expires > now }
            for r in list where r.expires <= now {
                byPeer[r.provider, default: 1] -= 1
                if byPeer[r.provider] == 0 { byPeer[r.provider] = nil }
                count -= 1
            }
            records[key] = live.isEmpty ? nil : live
        }
    }

    public var keys: Int { records.count }
}
