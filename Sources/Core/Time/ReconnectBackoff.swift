/// The wait before the next attempt to reach a peer: `initial`, doubling on each failure up to
/// `ceiling`, back to `initial` after a success. One value for every redial loop (bootstrappers
/// today), so the numbers live in one place. The ceiling is short (10 s): after a partition heals
/// (keepalive closed the dead connections) a node is back within about that long.
public struct ReconnectBackoff: Sendable, Equatable {
    public let initial: Duration
    public let ceiling: Duration
    public private(set) var current: Duration

    public init(initial: Duration = .seconds(1), ceiling: Duration = .seconds(10)) {
        self.initial = initial
        self.ceiling = max(initial, ceiling)
        current = initial
    }

    /// An attempt failed: the next wait (doubled, capped).
    @discardableResult
    public mutating func failed() -> Duration {
        let wait = current
        current = min(current * 2, ceiling)
        return wait
    }

    /// An attempt succeeded (or was not needed): start again from `initial`.
    public mutating func succeeded() { current = initial }
}
