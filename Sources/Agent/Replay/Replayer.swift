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
    }

    /// Messages handed to the pool at once (one actor hop, one gRPC write call per batch).
    static let batchSize = 512

    public func run(_ options: Options, progress: @escaping @Sendable (_ done: Int, _ total: Int) -> Void = { _, _ in }) async throws -> ReplayResult {
        let range = try range(options)
        let total = Int(range.upperBound - range.lowerBound + 1)
        var result = ReplayResult(topic: options.topic, from: range.lowerBound, to: range.upperBound)
        let clock = ContinuousClock(), began = clock.now
        let window = UInt64(max(1, options.window))
        // Launch when this much of the window is free (or the log's end is near): batches, not
        // a submit per verdict.
        let refill = UInt64(min(Self.batchSize, max(1, options.window / 4)))
        let pool = self.pool, timeout = options.verdictTimeout, topic = options.topic

        // Verdicts come back on one stream, in any order; they are taken in log order.
        let (verdicts, sink) = ValidatorPool.VerdictStream.makeStream()
        let verdictSink = ValidatorPool.VerdictSink(sink)
        var incoming = verdicts.makeAsyncIterator()
        // Ids out for judging (a log may hold an id twice, and verdicts are matched by id).
        var inFlight = Set<String>()
        // The messages between `next` (the first without its verdict taken) and `cursor` (the
        // next to send), in a ring of `window` slots: offsets are dense in a topic's log.
        struct Slot {
            var id: String
            var recorded: Verdict
            var receivedAt: UInt64
            var sentAt: ContinuousClock.Instant?
            var answer: Answer?
        }
        var slots = [Slot?](repeating: nil, count: Int(window))
        func slot(_ offset: UInt64) -> Int { Int(offset % window) }
        var recordedTimes: [(UInt64, ContinuousClock.Instant)] = []
        var next = range.lowerBound, cursor = range.lowerBound
        var chunk: [LogRecord] = []
        var chunkIndex = 0
        var launching = true
        var firstReceived: UInt64?
        var context = try ReplayContext(store: store, topic: topic, before: range.lowerBound)

        // One watchdog for the whole replay: when nothing has come back for `timeout` while
        // messages are out, it ends the verdict stream, and the replay stops at the first
        // offset without a verdict.
        let watch = StallWatch()
        let sweeper = Task {
            let tick = min(timeout, .milliseconds(200))
            while !Task.isCancelled {
                try? await Task.sleep(for: tick)
                if watch.stalled(after: timeout) { sink.finish() }
            }
        }
        defer {
            sweeper.cancel()
            sink.finish()
        }

        // A batch's offsets are consecutive (the log's are dense): each verdict comes back
        // tagged with its message's offset.
        func submit(_ batch: [Proto_Message], first: UInt64) async {
            guard !batch.isEmpty else { return }
            if inFlight.count == batch.count { watch.progressed() }
            watch.outstanding(inFlight.count)
            if !(await pool.submit(batch, firstTag: first, verdicts: verdictSink)) {
                for (i, m) in batch.enumerated() {
                    inFlight.remove(m.messageID)
                    slots[slot(first + UInt64(i))]?.answer = .noValidator
                }
                launching = false
            }
        }

        while true {
            // Launch: up to the window, in batches.
            if launching, cursor <= range.upperBound, window - (cursor - next) >= min(refill, range.upperBound - cursor + 1) {
                var batch: [Proto_Message] = []
                var first = cursor
                while launching, cursor <= range.upperBound, cursor - next < window {
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
                        await submit(batch, first: first)
                        batch = []
                        let first = firstReceived ?? r.receivedAt
                        firstReceived = first
                        let due = began + .nanoseconds(Int64(clamping: UInt64(Double(r.receivedAt &- first) / max(options.speed, 1e-9))))
                        if due > clock.now { try await clock.sleep(until: due) }
                    }
                    chunkIndex += 1
                    if batch.isEmpty { first = r.offset }
                    cursor = r.offset + 1
                    slots[slot(r.offset)] = Slot(id: r.messageID, recorded: r.verdict, receivedAt: r.receivedAt,
                                                 sentAt: options.timing == .original ? clock.now : nil)
                    inFlight.insert(r.messageID)
                    var message = Proto_Message.replayed(r)
                    message.context = context.context(for: r)
                    context.note(r)
                    batch.append(message)
                    if batch.count == Self.batchSize {
                        await submit(batch, first: first)
                        batch = []
                    }
                }
                await submit(batch, first: first)
            }
            // Take the verdicts that are next in log order.
            while next < cursor, let p = slots[slot(next)], let answer = p.answer {
                slots[slot(next)] = nil
                guard case .verdict(let v) = answer else {
                    result.stoppedAt = next
                    result.stopReason = if case .timedOut = answer {
                        "the validator gave no verdict for offset \(next) within \(timeout)"
                    } else {
                        "the validator disconnected before judging offset \(next)"
                    }
                    break
                }
                let (now, rejectReason) = v.stored
                result.digest.add(offset: next, messageID: p.id, verdict: now)
                result.counts[now, default: 0] += 1
                result.recorded[p.recorded, default: 0] += 1
                if now != p.recorded {
                    result.differences.append(ReplayDifference(offset: next, messageID: p.id, recorded: p.recorded, now: now, reason: rejectReason ?? ""))
                }
                if let sentAt = p.sentAt { recordedTimes.append((p.receivedAt, sentAt)) }
                result.replayed += 1
                next += 1
                if result.replayed % 1000 == 0 { progress(result.replayed, total) }
            }
            if result.stoppedAt != nil { break }
            if inFlight.isEmpty {
                if !launching || cursor > range.upperBound { break }
                continue
            }
            // Wait for verdicts (a group of them, as the validator answered).
            guard let group = await incoming.next() else {
                // The watchdog ended the stream: whatever is still out has timed out.
                for o in next..<cursor where slots[slot(o)]?.answer == nil { slots[slot(o)]!.answer = .timedOut }
                // The pool stops waiting for them too (a late verdict is then counted as unknown).
                await pool.abandon(Array(inFlight))
                inFlight = []
                launching = false
                continue
            }
            for (offset, answer) in group {
                guard offset >= next, offset < cursor, let s = slots[slot(offset)], s.answer == nil else { continue }
                inFlight.remove(s.id)
                if let answer {
                    slots[slot(offset)]!.answer = .verdict(answer.verdict)
                } else {
                    slots[slot(offset)]!.answer = .noValidator
                    launching = false
                }
            }
            watch.progressed()
            watch.outstanding(inFlight.count)
        }
        if !inFlight.isEmpty { await pool.abandon(Array(inFlight)) }
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

/// When a replay last got a verdict, and how many it has out: the watchdog's view of it.
private final class StallWatch: Sendable {
    private struct State {
        var last = ContinuousClock.now
        var out = 0
    }
    private let state = NIOLockedValueBox(State())

    func progressed() { state.withLockedValue { $0.last = .now } }
    func outstanding(_ n: Int) { state.withLockedValue { $0.out = n } }

    /// Whether messages are out and nothing came back for `limit`.
    func stalled(after limit: Duration) -> Bool {
        state.withLockedValue { $0.out > 0 && ContinuousClock.now - $0.last > limit }
    }
}
