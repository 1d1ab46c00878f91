import Wire

/// The Kademlia routing table (libp2p kad-dht spec, "Kademlia routing table"): 256 buckets of at
/// most `k` peers by the common prefix length of their key with ours. Only peers that serve the
/// DHT (they advertised its protocol, or answered a query) get in. A full bucket keeps its
/// peers: the newcomer waits in the bucket's replacement cache and takes the place of an entry
/// that fails (`failed`), as rust-libp2p and go-libp2p-kad-dht prefer long-lived peers.
///
/// Pure: time comes in as `now`; the driver pings, dials and refreshes.
public struct KadRoutingTable: Sendable {
    public struct Entry: Sendable, Equatable {
        public var peer: PeerID
        public var key: KadKey
        public var addresses: [Multiaddr]
        public var lastSeen: Instant
    }

    public static let buckets = 256
    public let local: KadKey
    public let k: Int
    /// Addresses kept per peer (a hostile answer may carry thousands).
    public static let maxAddresses = 8
    private var table: [[Entry]]
    private var replacements: [[Entry]]
    /// When each bucket last took part in a lookup (refresh is due after `refreshInterval`).
    private var lastUsed: [Instant]

    public init(local: PeerID, k: Int = 20, now: Instant) {
        self.local = KadKey(hashing: local.bytes)
        self.k = max(1, k)
        table = Array(repeating: [], count: Self.buckets)
        replacements = Array(repeating: [], count: Self.buckets)
        lastUsed = Array(repeating: now, count: Self.buckets)
    }

    public enum Added: Sendable, Equatable {
        case added, updated
        /// The bucket is full: kept as a replacement for an entry that fails.
        case pending
        case isSelf
    }

    /// A DHT server seen at `now` (identified with the protocol, or it answered).
    @discardableResult
    public mutating func add(_ peer: PeerID, addresses: [Multiaddr], now: Instant) -> Added {
        let key = KadKey(hashing: peer.bytes)
        let b = bucket(of: key)
        guard b < Self.buckets else { return .isSelf }
        let addrs = Array(addresses.prefix(Self.maxAddresses))
        if let i = table[b].firstIndex(where: { $0.peer == peer }) {
            table[b][i].lastSeen = now
            if !addrs.isEmpty { table[b][i].addresses = addrs }
            return .updated
        }
        let entry = Entry(peer: peer, key: key, addresses: addrs, lastSeen: now)
        guard table[b].count < k else {
            replacements[b].removeAll { $0.peer == peer }
            replacements[b].append(entry)
            if replacements[b].count > k { replacements[b].removeFirst() }
            return .pending
        }
        table[b].append(entry)
        return .added
    }

    /// A peer did not answer (or left the DHT): out, and the bucket's newest replacement in.
    public mutating func failed(_ peer: PeerID) {
        let b = bucket(of: KadKey(hashing: peer.bytes))
        guard b < Self.buckets else { return }
        replacements[b].removeAll { $0.peer == peer }
        guard let i = table[b].firstIndex(where: { $0.peer == peer }) else { return }
        table[b].remove(at: i)
        if let next = replacements[b].popLast() { table[b].append(next) }
    }

    public func contains(_ peer: PeerID) -> Bool {
        let b = bucket(of: KadKey(hashing: peer.bytes))
        return b < Self.buckets && table[b].contains { $0.peer == peer }
    }

    public func entry(_ peer: PeerID) -> Entry? {
        let b = bucket(of: KadKey(hashing: peer.bytes))
        return b < Self.buckets ? table[b].first { $0.peer == peer } : nil
    }

    /// The `count` known peers closest to `key`, closest first.
    public func closest(to key: KadKey, count: Int) -> [Entry] {
        Array(table.joined().sorted { key.closer($0.key, than: $1.key) }.prefix(count))
    }

    public var size: Int { table.reduce(0) { $0 + $1.count } }
    public var entries: [Entry] { Array(table.joined()) }
    public var bucketSizes: [Int] { table.map(\.count) }

    public func bucket(of key: KadKey) -> Int { local.commonPrefixLength(with: key) }

    /// A lookup toward `key` used its bucket now.
    public mutating func touched(_ key: KadKey, now: Instant) {
        let b = bucket(of: key)
        if b < Self.buckets { lastUsed[b] = now }
    }

    /// Buckets up to the deepest non-empty one (plus one) not used by a lookup for `interval`:
    /// the driver looks up a random target in each (`randomTarget(inBucket:)`). Deeper buckets
    /// are empty in any network this size, so they are not walked.
    public func bucketsToRefresh(now: Instant, interval: Duration) -> [Int] {
        let deepest = min(Self.maxWalkedBucket, (table.lastIndex { !$0.isEmpty } ?? 0) + 1)
        return (0...deepest).filter { now.since(lastUsed[$0]) >= interval }
    }

    /// The deepest bucket a random walk targets: finding a target for bucket b takes about 2^(b+1)
    /// hashes (as go-libp2p-kad-dht, the walk looks up a peer id that falls in the bucket).
    public static let maxWalkedBucket = 16

    /// A FIND_NODE target for a random walk of `bucket`: the bytes of an Ed25519-shaped peer id
    /// (identity multihash of a key protobuf) whose key shares exactly `bucket` leading bits with
    /// ours. nil past `maxWalkedBucket`.
    public func randomTarget(inBucket bucket: Int, using rng: inout some RandomNumberGenerator) -> [UInt8]? {
        guard bucket <= Self.maxWalkedBucket else { return nil }
        let prefix: [UInt8] = [0x00, 0x24, 0x08, 0x01, 0x12, 0x20]
        for _ in 0..<(1 << 22) {
            let raw = prefix + (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if self.bucket(of: KadKey(hashing: raw)) == bucket { return raw }
        }
        return nil
    }
}
