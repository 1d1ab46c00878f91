import NIOConcurrencyHelpers
import Wire

/// Pings every connection now and then and closes one that stopped answering. A link that goes
/// down (a partition, a peer's machine gone) leaves TCP connections open for many minutes, and
/// what was written meanwhile arrives in one burst whenever TCP's retransmission timer next
/// fires, long after it was fresh. Closing the connection drops that backlog, and the owner's
/// redial (bootstrappers, direct peers) brings a fresh connection once the link is back.
public struct KeepalivePolicy: Sendable, Equatable {
    /// How often each connection is pinged.
    public var interval: Duration
    /// How long a ping may take.
    public var timeout: Duration
    /// Consecutive failed pings that close the connection.
    public var maxFailures: Int

    public init(interval: Duration = .seconds(3), timeout: Duration = .seconds(4), maxFailures: Int = 2) {
        self.interval = interval
        self.timeout = timeout
        self.maxFailures = maxFailures
    }

}

/// Consecutive ping failures per connection: which connection to close. Pure, so tests drive it.
struct KeepaliveLedger {
    let maxFailures: Int
    private(set) var failures: [ObjectIdentifier: Int] = [:]

    /// Notes a ping's outcome; true when the connection should now be closed.
    mutating func record(_ connection: ObjectIdentifier, answered: Bool) -> Bool {
        if answered {
            failures[connection] = nil
            return false
        }
        let n = (failures[connection] ?? 0) + 1
        failures[connection] = n
        return n >= maxFailures
    }

    mutating func forget(_ connection: ObjectIdentifier) { failures[connection] = nil }
}

extension Ping {
    /// Whether one ping on `connection` is answered within `timeout`. A peer that refuses the
    /// ping protocol answered too (it is alive; not every implementation serves ping). The ping
    /// runs in its own task: a read on a dead link does not end by itself, and closing the
    /// connection ends it.
    static func answered(on connection: Connection, within timeout: Duration) async -> Bool {
        let done = NIOLockedValueBox(false)
        let ping = Task {
            do {
                _ = try await run(on: connection, count: 1)
                done.withLockedValue { $0 = true }
            } catch let error as WireError where error.code == .unsupported {
                done.withLockedValue { $0 = true }
            } catch {}
        }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if done.withLockedValue({ $0 }) { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        ping.cancel()
        return done.withLockedValue { $0 }
    }
}
