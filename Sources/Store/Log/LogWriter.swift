import Foundation

/// The one writer of the log. Callers enqueue work; a dedicated thread takes everything queued
/// (up to `maxBatchItems`) into one LMDB transaction: a group commit. In `sync` mode each commit
/// is fsynced before its callers hear back, so many concurrent appenders share one fsync.
final class LogWriter: @unchecked Sendable {
    // @unchecked: `queue`, `stopping` and `failed` are only touched with `condition` locked; `state`
    // and `lastSync` only on the writer thread (and in `init`, before the thread starts).
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
    private var dirty = false
    private var lastSync = Date()
    private var thread: Thread?

    init(env: LMDBEnvironment, dbs: Databases, options: StoreOptions) throws {
        self.env = env
        self.dbs = dbs
        self.options = options
        self.state = try env.read { try WriterState.load($0, dbs) }
        let thread = Thread { [unowned self] in self.run() }
        thread.name = "p2pmq-log-writer"
        self.thread = thread
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
                    done(Result { try syncNow() })
                }
            }
            commitAppends(&appends)
            if dirty, options.durability == .batched,
               Date().timeIntervalSince(lastSync) * 1000 >= Double(options.flushIntervalMilliseconds) {
                try? syncNow()
            }
        }
        if dirty, options.durability != .sync { try? syncNow() }
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// Waits for work; returns nil once stopping and drained. Wakes up for the periodic flush.
    private func nextJobs() -> [Job]? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty {
            if stopping { return nil }
            if dirty, options.durability == .batched {
                let deadline = lastSync.addingTimeInterval(Double(options.flushIntervalMilliseconds) / 1000)
                if !condition.wait(until: deadline) { return [] }
            } else {
                condition.wait()
            }
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
            // In sync mode LMDB fsynced the commit itself (the env is opened without MDB_NOSYNC).
            dirty = options.durability != .sync
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
        dirty = true
        return removed
    }

    private func syncNow() throws {
        try env.sync(force: true)
        dirty = false
        lastSync = Date()
    }
}
