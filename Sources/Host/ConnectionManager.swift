/// Keeps the number of connections between water marks, as go-libp2p's basic connection manager
/// (the Go p2pmq's `connManager{lowWater, highWater, gracePeriod}`): once there are more than
/// `highWater` connections, the oldest ones past their grace period are closed until `lowWater`
/// remain. New connections get the grace period to prove useful first.
public struct ConnectionManagerPolicy: Sendable, Equatable {
    public var lowWater: Int
    public var highWater: Int
    public var gracePeriodSeconds: Double

    public init(lowWater: Int = 100, highWater: Int = 400, gracePeriodSeconds: Double = 20) {
        self.lowWater = lowWater
        self.highWater = highWater
        self.gracePeriodSeconds = gracePeriodSeconds
    }

    public struct Candidate: Sendable, Equatable {
        public var id: ObjectIdentifier
        /// Seconds on a monotonic clock.
        public var openedAt: Double
        public var isProtected: Bool

        public init(id: ObjectIdentifier, openedAt: Double, isProtected: Bool = false) {
            self.id = id
            self.openedAt = openedAt
            self.isProtected = isProtected
        }
    }

    /// The connections to close now.
    public func trim(_ connections: [Candidate], now: Double) -> [ObjectIdentifier] {
        guard connections.count > highWater else { return [] }
        let excess = connections.count - lowWater
        return connections
            .filter { !$0.isProtected && now - $0.openedAt >= gracePeriodSeconds }
            .sorted { $0.openedAt < $1.openedAt }
            .prefix(excess)
            .map(\.id)
    }
}
