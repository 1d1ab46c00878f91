import Wire
import AgentAPI
import Foundation
import Core
import Gossip
import NIOConcurrencyHelpers
import Store

/// Feeds a topic's recorded messages, in log order, to the validators of a `ValidatorPool`
/// (connected over `ValidationRouter.Handle`, as to a live agent), and compares the verdicts
/// with the recorded ones. Verdicts are taken in log order whatever order they arrive in, so the
/// digest depends only on the log and the validator.
public struct Replayer: Sendable {
    public let store: ReportStore
    public let pool: ValidatorPool

    public struct Options: Sendable {
        public var topic: String
        public var from: UInt64 = 0
        /// Inclusive; nil: the end of the log when the replay starts.
        public var to: UInt64?
        public var timing = ReplayTiming.instant
        public var speed = 1.0
        /// Messages in flight at once.
        public var window = 64
        /// How long one verdict may take before the replay stops.
        public var verdictTimeout: Duration = .seconds(30)

        public init(topic: String) { self.topic = topic }
    }

    public init(store: ReportStore, pool: ValidatorPool) {
        self.store = store
        self.pool = pool
    }

    /// The offsets a replay with `options` covers; throws a clear error for an unknown topic or
    /// an empty or reversed range.
    public func range(_ options: Options) throws -> ClosedRange<UInt64> {
        let info = try store.requireTopic(options.topic)
        guard info.nextOffset > 0 else { throw AgentError(.invalidArgument, "topic '\(options.topic)' has no records") }
        let from = max(options.from, info.firstOffset)
        guard from < info.nextOffset else {
            throw AgentError(.invalidArgument, "start offset \(options.from) is beyond the end of '\(options.topic)' (last offset \(info.nextOffset - 1))")
        }
        let to = min(options.to ?? (info.nextOffset - 1), info.nextOffset - 1)
        guard to >= from else { throw AgentError(.invalidArgument, "the range is empty: --to (offset \(to)) is before --from (offset \(from))") }
        return from...to
    }

    private enum Answer: Sendable {
        case verdict(GossipsubRouter.Verdict)
        case noValidator
        case timedOut

        var isTimeout: Bool { if case .timedOut = self { true } else { false } }
    }

    public func run(_ options: Options, progress: @escaping @Sendable (_ done: Int, _ total: Int) -> Void = { _, _ in }) async throws -> ReplayResult {
        let range = try range(options)
        let total = Int(range.upperBound - range.lowerBound + 1)
        var result = ReplayResult(topic: options.topic, from: range.lowerBound, to: range.upperBound)
        let clock = ContinuousClock(), began = clock.now
        var pending: [UInt64: (id: String, recorded: Verdict, receivedAt: UInt64, sentAt: ContinuousClock.Instant)] = [:]
        var answers: [UInt64: Answer] = [:]
        var recordedTimes: [(UInt64, ContinuousClock.Instant)] = []
        var next = range.lowerBound
        let pool = self.pool, timeout = options.verdictTimeout, topic = options.topic

        // One watchdog for the whole replay, not a timer per message: it abandons a message
        // whose verdict is overdue, which ends its `validate` with nil.
        let watch = VerdictWatch()
        let sweeper = Task {
            let tick = min(timeout, .milliseconds(200))
            while !Task.isCancelled {
                try? await Task.sleep(for: tick)
                for id in watch.overdue(after: timeout) { await pool.abandon(id) }
            }
        }
        defer { sweeper.cancel() }
        var context = try ReplayContext(store: store, topic: topic, before: range.lowerBound)
        try await withThrowingTaskGroup(of: (UInt64, Answer).self) { group in
            var cursor = range.lowerBound
            var chunk: [LogRecord] = []
            var chunkIndex = 0
            var inFlight = Set<String>()
            var launching = true
            var firstReceived: UInt64?
            var running = 0
            while true {
                while launching, running < max(1, options.window), cursor <= range.upperBound {
                    if chunkIndex == chunk.count {
                        chunk = try load(topic, from: cursor, upTo: range.upperBound)
                        chunkIndex = 0
                        if chunk.isEmpty {
                            cursor = range.upperBound + 1
                            break
                        }
                    }
                    let r = chunk[chunkIndex]
                    // One message id in flight at a time (a log may hold an id twice: once not
                    // accepted, once accepted later), since verdicts are matched by id.
                    if inFlight.contains(r.messageID) { break }
                    if options.timing == .original {
                        let first = firstReceived ?? r.receivedAt
                        firstReceived = first
                        let due = began + .nanoseconds(Int64(clamping: UInt64(Double(r.receivedAt &- first) / max(options.speed, 1e-9))))
                        if due > clock.now { try await clock.sleep(until: due) }
                    }
                    chunkIndex += 1
                    cursor = r.offset + 1
                    pending[r.offset] = (r.messageID, r.verdict, r.receivedAt, clock.now)
                    inFlight.insert(r.messageID)
                    running += 1
                    let offset = r.offset
                    var message = Proto_Message.replayed(r)
                    message.context = context.context(for: r)
                    context.note(r)
                    watch.sent(offset, id: r.messageID)
                    group.addTask {
                        guard let verdict = await pool.validate(message) else {
                            return (offset, watch.timedOut(offset) ? .timedOut : .noValidator)
                        }
                        watch.answered(offset)
                        return (offset, .verdict(verdict.verdict))
                    }
                }
                guard running > 0, let (offset, answer) = try await group.next() else { break }
                running -= 1
                if let p = pending[offset] { inFlight.remove(p.id) }
                answers[offset] = answer
                if case .verdict = answer {} else { launching = false }
                // Take verdicts in log order.
                while let answer = answers.removeValue(forKey: next), let p = pending.removeValue(forKey: next) {
                    guard case .verdict(let v) = answer else {
                        if result.stoppedAt == nil {
                            result.stoppedAt = next
                            result.stopReason = answer.isTimeout
                                ? "the validator gave no verdict for offset \(next) within \(timeout)"
                                : "the validator disconnected before judging offset \(next)"
                        }
                        break
                    }
                    let (now, rejectReason) = v.stored
                    let reason = rejectReason ?? ""
                    result.digest.add(offset: next, messageID: p.id, verdict: now)
                    result.counts[now, default: 0] += 1
                    result.recorded[p.recorded, default: 0] += 1
                    if now != p.recorded {
                        result.differences.append(ReplayDifference(offset: next, messageID: p.id, recorded: p.recorded, now: now, reason: reason))
                    }
                    if options.timing == .original { recordedTimes.append((p.receivedAt, p.sentAt)) }
                    result.replayed += 1
                    next += 1
                    if result.replayed % 1000 == 0 { progress(result.replayed, total) }
                }
                if result.stoppedAt != nil { launching = false }
            }
        }
        if result.stoppedAt == nil, result.replayed < total {
            result.stoppedAt = next
            result.stopReason = result.stopReason ?? "the validator disconnected before judging offset \(next)"
        }
        progress(result.replayed, total)
        result.seconds = (clock.now - began).seconds
        if options.timing == .original { result.timing = Self.timingReport(recordedTimes, speed: options.speed) }
        return result
    }

    /// Up to 512 records from `from`, not past `upTo`.
    private func load(_ topic: String, from: UInt64, upTo: UInt64) throws -> [LogRecord] {
        var out: [LogRecord] = []
        try store.scan(topic: topic, from: from) { r in
            guard r.offset <= upTo else { return false }
            out.append(r)
            return out.count < 512
        }
        return out
    }

    static func timingReport(_ points: [(recorded: UInt64, sent: ContinuousClock.Instant)], speed: Double) -> ReplayTimingReport {
        var report = ReplayTimingReport()
        guard let first = points.first, let last = points.last else { return report }
        report.recordedSpanSeconds = Double(last.recorded &- first.recorded) / 1e9 / speed
        report.replayedSpanSeconds = (last.sent - first.sent).seconds
        var errors: [Double] = []
        for (a, b) in zip(points, points.dropFirst()) {
            let want = Double(b.recorded &- a.recorded) / 1e9 / speed
            guard want >= 0.001 else { continue }
            errors.append(abs((b.sent - a.sent).seconds - want) / want)
        }
        guard !errors.isEmpty else { return report }
        errors.sort()
        report.gaps = errors.count
        report.meanError = errors.reduce(0, +) / Double(errors.count)
        report.p95Error = errors[min(errors.count - 1, Int(Double(errors.count) * 0.95))]
        report.maxError = errors.last!
        return report
    }
}

/// The messages of a replay waiting for a verdict, with when they were sent, so one sweeper can
/// find the overdue ones.
private final class VerdictWatch: Sendable {
    private struct State {
        var waiting: [UInt64: (id: String, sent: ContinuousClock.Instant)] = [:]
        var timedOut: Set<UInt64> = []
    }
    private let state = NIOLockedValueBox(State())

    func sent(_ offset: UInt64, id: String) { state.withLockedValue { $0.waiting[offset] = (id, .now) } }
    func answered(_ offset: UInt64) { _ = state.withLockedValue { $0.waiting.removeValue(forKey: offset) } }

    /// Whether `offset` was abandoned as overdue (and forgets it either way).
    func timedOut(_ offset: UInt64) -> Bool {
        state.withLockedValue { s in
            s.waiting[offset] = nil
            return s.timedOut.remove(offset) != nil
        }
    }

    /// Ids of the messages sent more than `limit` ago, now marked as timed out.
    func overdue(after limit: Duration) -> [String] {
        let now = ContinuousClock.now
        return state.withLockedValue { s in
            var ids: [String] = []
            for (offset, w) in s.waiting where now - w.sent > limit {
                ids.append(w.id)
                s.timedOut.insert(offset)
                s.waiting[offset] = nil
            }
            return ids
        }
    }
}
