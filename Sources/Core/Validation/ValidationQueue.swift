/// The validation pipeline's admission as a value: at most `concurrency` messages are with the
/// validator at once, up to `capacity` more wait in arrival order, and every message has a
/// deadline `timeout` after its *arrival*, queue wait included.
///
/// Why from arrival: a relay that accepted a report long after it arrived would forward it past
/// its peers' validity thresholds, and they would penalize the relay as a stale replayer (the
/// reliability suite saw a late joiner meet thousands of such reports from a publisher 30 s
/// behind in validation). What times out is IGNOREd unjudged and range sync fetches it.
///
/// Pure: `now` is passed in; the driver runs the validator for each `started` job and reports
/// the answer with `finish`.
public struct ValidationQueue: Sendable {
    public struct Job: Sendable, Equatable {
        public var id: [UInt8]
        public var arrivedAt: Instant
        public var deadline: Instant
    }

    /// Why a message got IGNORE without a verdict.
    public enum Drop: String, Sendable, Equatable {
        case queueFull = "validation_queue_full"
        case timeout = "validation_timeout"
        /// Over the sender's or the node's inbound rate (`InboundRateLimit`), never queued.
        case rateLimited = "rate_limited"
    }

    /// What an admission or a sweep decided.
    public enum Step: Sendable, Equatable {
        /// Hand the job to the validator now.
        case start(Job)
        /// IGNORE without judging it.
        case drop(Job, Drop)
        /// Queued: it starts when a slot frees (`finish`, `sweep`).
        case wait(Job)
        /// Started, but the validator did not answer by the deadline: IGNORE; a later verdict
        /// is void.
        case expired(Job)
    }

    public let concurrency: Int
    public let capacity: Int
    public let timeout: Duration
    private var waiting: [Job] = []
    private var waitingHead = 0
    /// With the validator: the job and when it started.
    private var running: [[UInt8]: (job: Job, started: Instant)] = [:]

    public init(concurrency: Int, capacity: Int, timeout: Duration) {
        self.concurrency = max(1, concurrency)
        self.capacity = max(0, capacity)
        self.timeout = timeout
    }

    /// Messages waiting for a slot.
    public var queued: Int { waiting.count - waitingHead }
    /// Messages waiting or with the validator.
    public var backlog: Int { queued + running.count }
    public var inFlight: Int { running.count }

    /// The earliest deadline of any job, for the driver's timer.
    public var nextDeadline: Instant? {
        let r = running.values.map(\.job.deadline).min()
        let q = waitingHead < waiting.count ? waiting[waitingHead].deadline : nil
        switch (r, q) {
        case let (a?, b?): return min(a, b)
        case let (a?, nil): return a
        case let (nil, b?): return b
        default: return nil
        }
    }

    /// A message arrived at `arrivedAt` (the router handed it out at `now`).
    public mutating func admit(_ id: [UInt8], arrivedAt: Instant, now: Instant) -> Step {
        let job = Job(id: id, arrivedAt: arrivedAt, deadline: arrivedAt.advanced(by: timeout))
        if job.deadline <= now { return .drop(job, .timeout) }
        if running.count < concurrency, queued == 0 {
            running[id] = (job, now)
            return .start(job)
        }
        guard queued < capacity else { return .drop(job, .queueFull) }
        waiting.append(job)
        return .wait(job)
    }

    /// The validator answered for `id`. Returns how long it took (nil when the job was no longer
    /// running: it timed out and was already dropped, so the late verdict is void) and the queued
    /// jobs that take the freed slot (or that waited out their deadline meanwhile).
    public mutating func finish(_ id: [UInt8], now: Instant) -> (elapsed: Duration?, next: [Step]) {
        guard let entry = running.removeValue(forKey: id) else { return (nil, []) }
        return (now.since(entry.started), fillSlots(now: now))
    }

    /// Drops what is past its deadline (running or queued) and starts queued jobs in freed slots.
    public mutating func sweep(now: Instant) -> [Step] {
        var steps: [Step] = []
        for (id, entry) in running.sorted(by: { $0.value.job.deadline < $1.value.job.deadline }) where entry.job.deadline <= now {
            running[id] = nil
            steps.append(.expired(entry.job))
        }
        return steps + fillSlots(now: now)
    }

    private mutating func fillSlots(now: Instant) -> [Step] {
        var steps: [Step] = []
        while waitingHead < waiting.count {
            let job = waiting[waitingHead]
            if job.deadline <= now {
                waitingHead += 1
                steps.append(.drop(job, .timeout))
                continue
            }
            guard running.count < concurrency else { break }
            waitingHead += 1
            running[job.id] = (job, now)
            steps.append(.start(job))
        }
        // Compact now and then, so the array does not grow with everything ever queued.
        if waitingHead > 1024, waitingHead * 2 > waiting.count {
            waiting.removeFirst(waitingHead)
            waitingHead = 0
        }
        return steps
    }
}
