/// When catch-up rounds run, as a state machine: requests (a connection, a subscription, a gap
/// in live gossip) coalesce into one round, a sooner request moves a waiting round earlier, a
/// request while a round runs makes one more run after it (after `cooldown`, so the gaps that
/// live gossip fills by itself are not fetched), and a round that left seqs unfetched is retried
/// later (2 s doubling to 30 s, at most 8 times in a row), since nothing else asks again for seqs
/// below the head. The driver owns two timers (the round's and the retry's) and runs the rounds.
public struct SyncScheduler: Sendable {
    public enum Action: Sendable, Equatable {
        /// (Re)arm the round timer: call `dueFired` at this time.
        case armRound(at: Instant)
        /// Run a round now; call `roundEnded` when it is over.
        case runRound
        /// (Re)arm the retry timer: call `retryFired` at this time.
        case armRetry(at: Instant)
        case cancelRetry
    }

    private enum State: Equatable {
        case idle
        /// A round is due at `due`; `movable`: a sooner request may bring it forward (not in the
        /// cooldown after a round, when rounds asked for meanwhile wait too).
        case waiting(due: Instant, movable: Bool)
        /// A round runs; `again`: another was asked for meanwhile.
        case running(again: Bool)
    }

    public let cooldown: Duration
    public let maxRetries: Int
    private var state = State.idle
    /// Rounds in a row that left seqs unfetched.
    public private(set) var shortRounds = 0

    public init(cooldown: Duration, maxRetries: Int = 8) {
        self.cooldown = cooldown
        self.maxRetries = maxRetries
    }

    /// No round runs or waits (a pending retry does not count).
    public var isIdle: Bool { state == .idle }
    public var isRunning: Bool { if case .running = state { true } else { false } }

    public mutating func request(after delay: Duration, now: Instant) -> [Action] {
        let due = now + delay
        switch state {
        case .idle:
            state = .waiting(due: due, movable: true)
            return [.armRound(at: due)]
        case .waiting(let current, let movable):
            guard movable, due < current else { return [] }
            state = .waiting(due: due, movable: true)
            return [.armRound(at: due)]
        case .running:
            state = .running(again: true)
            return []
        }
    }

    /// The round timer fired.
    public mutating func dueFired(now: Instant) -> [Action] {
        guard case .waiting(let due, _) = state, due <= now else { return [] }
        state = .running(again: false)
        return [.runRound]
    }

    /// The running round ended; `leftUnfetched`: some seqs no peer it asked could send.
    public mutating func roundEnded(leftUnfetched: Bool, now: Instant) -> [Action] {
        guard case .running(let again) = state else { return [] }
        if again {
            let due = now + cooldown
            state = .waiting(due: due, movable: false)
            return [.armRound(at: due)]
        }
        state = .idle
        guard leftUnfetched else {
            shortRounds = 0
            return [.cancelRetry]
        }
        guard shortRounds < maxRetries else { return [.cancelRetry] }
        shortRounds += 1
        return [.armRetry(at: now + .seconds(min(30, 1 << shortRounds)))]
    }

    /// The retry timer fired: one more round now.
    public mutating func retryFired(now: Instant) -> [Action] { request(after: .zero, now: now) }
}
