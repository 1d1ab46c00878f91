/// Keys remembered for a fixed time, oldest first: the seen-messages cache (120 s by default).
/// Expired keys are dropped as time moves on, in insertion order, so each costs O(1) overall.
public struct TimeCache<Key: Hashable & Sendable>: Sendable {
    public let ttl: Duration
    private var expiry: [Key: Instant] = [:]
    private var order: [(key: Key, expires: Instant)] = []
    private var head = 0

    public init(ttl: Duration) { self.ttl = ttl }

    public var count: Int { expiry.count }

    /// Remembers `key`; returns false if it was already there (not expired).
    @discardableResult
    public mutating func insert(_ key: Key, now: Instant) -> Bool {
        sweep(now)
        guard expiry[key] == nil else { return false }
        let expires = now.advanced(by: ttl)
        expiry[key] = expires
        order.append((key, expires))
        return true
    }

    public mutating func contains(_ key: Key, now: Instant) -> Bool {
        sweep(now)
        return expiry[key] != nil
    }

    /// Drops every key whose time is up.
    public mutating func sweep(_ now: Instant) {
        while head < order.count, order[head].expires <= now {
            let entry = order[head]
            if expiry[entry.key] == entry.expires { expiry[entry.key] = nil }
            head += 1
        }
        if head > 1024, head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
    }
}
