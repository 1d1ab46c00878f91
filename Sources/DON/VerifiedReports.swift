import Synchronization
import Wire

/// Signed reports whose quorum already verified, by a hash of their bytes, so a report checked
/// once is not checked again when it comes back (range sync of what gossip brought, replay, a
/// re-judged record, the same bytes on two topics' checks): the signature checks are most of a
/// report's cost. Bounded: the oldest half is dropped when full. Keyed by the whole signed bytes
/// (not the report digest), so a valid report with other signatures is checked on its own.
public final class VerifiedReports: Sendable {
    private struct State {
        var current: Set<[UInt8]> = []
        var previous: Set<[UInt8]> = []
        var hits = 0
        var misses = 0
    }

    public let capacity: Int
    private let state = Mutex(State())

    public init(capacity: Int = 65_536) { self.capacity = max(2, capacity) }

    /// The key for a signed report's bytes under a config.
    static func key(data: [UInt8], configDigest: [UInt8]) -> [UInt8] { Digests.sha256(configDigest + data) }

    func contains(_ key: [UInt8]) -> Bool {
        state.withLock { s in
            let hit = s.current.contains(key) || s.previous.contains(key)
            if hit { s.hits += 1 } else { s.misses += 1 }
            return hit
        }
    }

    func insert(_ key: [UInt8]) {
        state.withLock { s in
            s.current.insert(key)
            // Two generations: dropping the older half keeps the recent ones without an LRU list.
            if s.current.count >= capacity / 2 {
                s.previous = s.current
                s.current = []
            }
        }
    }

    /// (hits, misses) since start, for benchmarks and metrics.
    public var counts: (hits: Int, misses: Int) { state.withLock { ($0.hits, $0.misses) } }
}
