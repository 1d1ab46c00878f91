import Foundation

/// In `batched` mode, fsyncs the log every interval on its own thread, so that the writer never
/// waits for the disk: commits land in the page cache (a process crash loses nothing) and reach
/// the disk within one interval. `mdb_env_sync` is a plain fdatasync and safe beside a writer.
final class PeriodicFlusher: @unchecked Sendable {
    // @unchecked: `dirty` and `stopping` are only touched with `condition` locked.
    private let env: LMDBEnvironment
    private let interval: TimeInterval
    private let condition = NSCondition()
    private var dirty = false
    private var stopping = false
    private var finished = false

    init(env: LMDBEnvironment, intervalMilliseconds: Int) {
        self.env = env
        self.interval = Double(max(1, intervalMilliseconds)) / 1000
        let thread = Thread { [unowned self] in self.run() }
        thread.name = "p2pmq-log-flusher"
        thread.start()
    }

    /// Called after each commit.
    func markDirty() {
        condition.lock()
        dirty = true
        condition.unlock()
    }

    /// Syncs once more and stops the thread. Blocks until done.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
    }

    private func run() {
        condition.lock()
        while !stopping {
            _ = condition.wait(until: Date().addingTimeInterval(interval))
            guard dirty else { continue }
            dirty = false
            condition.unlock()
            try? env.sync(force: true)  // a failed sync is retried at the next interval or at close
            condition.lock()
        }
        if dirty { try? env.sync(force: true) }
        finished = true
        condition.broadcast()
        condition.unlock()
    }
}
