import Wire

/// A point in the Kademlia keyspace: sha256 of a peer id's bytes (or of any key, e.g. a
/// provider record's CID), compared by XOR distance (libp2p kad-dht spec, "Distance").
public struct KadKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let bytes: [UInt8]

    /// The key of `raw` (a peer id's multihash bytes, or a record key).
    public init(hashing raw: [UInt8]) { bytes = Digests.sha256(raw) }

    /// An already hashed 32-byte point (random walks pick them).
    public init(point: [UInt8]) {
        precondition(point.count == 32, "a Kademlia point is 32 bytes")
        bytes = point
    }

    /// XOR distance to `other`, big-endian, comparable as bytes.
    public func distance(to other: KadKey) -> [UInt8] { zip(bytes, other.bytes).map { $0 ^ $1 } }

    /// Leading bits shared with `other` (256 for the same key): the bucket `other` falls in.
    public func commonPrefixLength(with other: KadKey) -> Int {
        for (i, (a, b)) in zip(bytes, other.bytes).enumerated() where a != b {
            return i * 8 + (a ^ b).leadingZeroBitCount
        }
        return 256
    }

    /// Whether `a` is closer to this key than `b`.
    public func closer(_ a: KadKey, than b: KadKey) -> Bool { distance(to: a).lexicographicallyPrecedes(distance(to: b)) }

    public static func < (a: KadKey, b: KadKey) -> Bool { a.bytes.lexicographicallyPrecedes(b.bytes) }

    public var description: String { bytes.prefix(6).map { String($0, radix: 16).leftPadded(2) }.joined() }
}

extension String {
    fileprivate func leftPadded(_ n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}
