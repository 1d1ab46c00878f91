import Foundation

/// The one writer of the log. Callers enqueue work; a dedicated thread takes everything queued
/// (up to `maxBatchItems`) into one LMDB transaction: a group commit. In `sync` mode each commit
/// is fsynced before its callers hear back, so many concurrent appenders share one fsync; in
/// `batched` mode a `PeriodicFlusher` syncs in the background.
final class LogWriter: @unchecked Sendable {
    // @unchecked: `queue`, `stopping` and `finished` are only touched with `condition` locked;
    // `state` only on the writer thread (and in `init`, before the thread starts).
    typealias Completion = @Sendable (Result<[AppendOutcome], Error>) -> Void

    private enum Job {
        case append([EncodedItem], Completion)
        case retention(now: UInt64, @Sendable (Result<[String: UInt64], Error>) -> Void)
        case flush(@Sendable (Result<Void, Error>) -> Void)
    }

    private let env: LMDBEnvironment
    private let dbs: Databases
    private let options: StoreOptions
    private let condition = NSCondition()
    private var queue: [Job] = []
    private var stopping = false
    private var finished = false
    private var state: WriterState
    private let flusher: PeriodicFlusher?

    init(env: LMDBEnvironment, dbs: Databases, options: StoreOptions) throws {
        self.env = env
        self.dbs = dbs
        self.options = options
        self.state = try env.read { try WriterState.load($0, dbs, quota: options.nonAcceptedQuota) }
        // sync: LMDB fsyncs each commit itself. none: only at close.
        self.flusher = options.durability == .batched
            ? PeriodicFlusher(env: env, intervalMilliseconds: options.flushIntervalMilliseconds) : nil
        let thread = Thread { [unowned self] in self.run() }
        thread.name = "p2pmq-log-writer"
        thread.start()
    }

    func append(_ items: [EncodedItem], completion: @escaping Completion) {
        enqueue(.append(items, completion)) { completion(.failure($0)) }
    }

    func applyRetention(now: UInt64, completion: @escaping @Sendable (Result<[String: UInt64], Error>) -> Void) {
        enqueue(.retention(now: now, completion)) { completion(.failure($0)) }
    }

    func flush(completion: @escaping @Sendable (Result<Void, Error>) -> Void) {
        enqueue(.flush(completion)) { completion(.failure($0)) }
    }

    /// Finishes queued work, syncs, and stops the thread. Blocks until done.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
    }

    private func enqueue(_ job: Job, orFail fail: (Error) -> Void) {
        condition.lock()
        if stopping {
            condition.unlock()
            fail(StoreError(.closed, "the store is closing; the write was not made"))
            return
        }
        queue.append(job)
        condition.signal()
        condition.unlock()
    }

    private func run() {
        while let jobs = nextJobs() {
            var appends: [(items: [EncodedItem], done: Completion)] = []
            for job in jobs {
                switch job {
                case .append(let items, let done): appends.append((items, done))
                case .retention(let now, let done):
                    commitAppends(&appends)
                    done(Result { try retention(now: now) })
                case .flush(let done):
                    commitAppends(&appends)
                    done(Result { try env.sync(force: true) })
                }
            }
            commitAppends(&appends)
        }
        flusher?.stop()
        if options.durability == .none { try? env.sync(force: true) }
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// Waits for work; returns nil once stopping and drained.
    private func nextJobs() -> [Job]? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty {
            if stopping { return nil }
            condition.wait()
        }
        var taken = 0
        var jobs: [Job] = []
        while let job = queue.first {
            if case .append(let items, _) = job {
                if taken > 0, taken + items.count > options.maxBatchItems { break }
                taken += items.count
            }
            jobs.append(job)
            queue.removeFirst()
        }
        return jobs
    }

    private func commitAppends(_ appends: inout [(items: [EncodedItem], done: Completion)]) {
        guard !appends.isEmpty else { return }
        defer { appends.removeAll(keepingCapacity: true) }
        let all = appends.flatMap(\.items)
        let result = Result { () throws -> [AppendOutcome] in
            let (outcomes, newState) = try env.write { txn in
                var copy = state
                let outcomes = try copy.apply(all, txn, dbs)
                return (outcomes, copy)
            }
            state = newState
            flusher?.markDirty()
            return outcomes
        }
        var start = 0
        for (items, done) in appends {
            let range = start..<start + items.count
            start += items.count
            done(result.map { Array($0[range]) })
        }
    }

    private func retention(now: UInt64) throws -> [String: UInt64] {
        let (removed, newState) = try env.write { txn in
            var copy = state
            let removed = try copy.applyRetention(now: now, options: options, txn, dbs)
            return (removed, copy)
        }
        state = newState
        flusher?.markDirty()
        return removed
    }
}
