/// Admission of validation work by rate, before a message reaches the queue: token buckets per
/// forwarding peer and for the node, as Chainlink's DON-to-DON dispatcher limits each sender and
/// the whole inbound flow. A message over either is dropped unjudged (IGNORE, counted); a peer
/// that keeps exceeding its own bucket gets a behaviour penalty (P7) every `penaltyEvery` drops,
/// so sustained flooding lowers its score while a burst of a busy relay does not.
///
/// Pure: time comes in as `now`.
public struct InboundRateLimit: Sendable {
    public struct Limits: Sendable, Equatable {
        /// Messages per second and burst size per forwarding peer (0 rate: no per-peer limit).
        public var peerRate: Double
        public var peerBurst: Double
        /// Messages per second and burst size for all peers together (0 rate: no global limit).
        public var globalRate: Double
        public var globalBurst: Double
        /// Per-peer drops between two behaviour penalties.
        public var penaltyEvery: Int

        /// Sized so that one peer relaying every report of busy topics is never limited (in a
        /// gossip overlay one mesh peer may forward a whole topic first); Chainlink's dispatcher
        /// figures (10/s burst 50 per sender, 800/s burst 1000 global) fit DONs whose peers send
        /// only their own messages, and are one config change away.
        public init(peerRate: Double = 10_000, peerBurst: Double = 20_000, globalRate: Double = 50_000, globalBurst: Double = 100_000,
                    penaltyEvery: Int = 100) {
            self.peerRate = peerRate
            self.peerBurst = peerBurst
            self.globalRate = globalRate
            self.globalBurst = globalBurst
            self.penaltyEvery = max(1, penaltyEvery)
        }

        /// No limits at all.
        public static let none = Limits(peerRate: 0, peerBurst: 0, globalRate: 0, globalBurst: 0)
    }

    /// What happens to one message.
    public enum Admission: Sendable, Equatable {
        case pass
        /// Over the sender's bucket; `penalize`: this drop completes another `penaltyEvery`.
        case overPeer(penalize: Bool)
        /// Over the node's bucket (not the sender's fault: no penalty).
        case overGlobal
    }

    struct Bucket: Sendable {
        var tokens: Double
        var last: Instant

        /// Refills at `rate` up to `burst` since `last`, then takes one token if there is one.
        mutating func take(rate: Double, burst: Double, now: Instant) -> Bool {
            if now > last {
                tokens = min(burst, tokens + now.since(last).seconds * rate)
                last = now
            }
            guard tokens >= 1 else { return false }
            tokens -= 1
            return true
        }
    }

    public let limits: Limits
    private var peers: [String: Bucket] = [:]
    private var global: Bucket?
    private var drops: [String: Int] = [:]

    public init(_ limits: Limits = Limits()) { self.limits = limits }

    public mutating func admit(peer: String, now: Instant) -> Admission {
        if limits.peerRate > 0 {
            var bucket = peers[peer] ?? Bucket(tokens: limits.peerBurst, last: now)
            let ok = bucket.take(rate: limits.peerRate, burst: max(1, limits.peerBurst), now: now)
            peers[peer] = bucket
            if !ok {
                let n = drops[peer, default: 0] + 1
                drops[peer] = n
                return .overPeer(penalize: n % limits.penaltyEvery == 0)
            }
        }
        if limits.globalRate > 0 {
            var bucket = global ?? Bucket(tokens: limits.globalBurst, last: now)
            let ok = bucket.take(rate: limits.globalRate, burst: max(1, limits.globalBurst), now: now)
            global = bucket
            if !ok { return .overGlobal }
        }
        return .pass
    }

    /// Forgets a peer that left (its bucket would refill to full by its return anyway).
    public mutating func remove(peer: String) {
        peers[peer] = nil
        drops[peer] = nil
    }
}
