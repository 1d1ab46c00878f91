import AgentAPI
import Core
import Gossip

/// The validators connected over `ValidationRouter.Handle`. Each message goes to one of them
/// (round robin) and waits for its verdict, matched by message id. A validator that goes away
/// hands its unanswered messages to the others; with none left they get no verdict here (the
/// agent's `whenNoValidator` policy decides). Verdicts for ids nobody is waiting for (late, or
/// made up) are counted and dropped.
///
/// Two ways to wait: `validate` suspends its caller for one verdict (live validation, a task per
/// message); `submit` hands over a batch whose verdicts come out of a `VerdictStream` (replay:
/// thousands in flight, no task or continuation per message, one actor hop per batch).
public actor ValidatorPool {
    public typealias Answer = PubsubService.ValidationAnswer

    /// Where `submit`'s verdicts go, in groups as they came: (the submitter's tag of the message,
    /// verdict or nil when no validator is left or the message was abandoned).
    public typealias VerdictStream = AsyncStream<[(tag: UInt64, answer: Answer?)]>

    /// A submitter's verdict stream, by identity (the verdicts of one validator batch that go to
    /// one sink are yielded together).
    public final class VerdictSink: Sendable {
        let continuation: VerdictStream.Continuation
        public init(_ continuation: VerdictStream.Continuation) { self.continuation = continuation }
    }

    private enum Waiter {
        case one(CheckedContinuation<Answer?, Never>)
        case sink(VerdictSink, tag: UInt64)

        func resume(_ answer: Answer?, id: String) {
            switch self {
            case .one(let c): c.resume(returning: answer)
            case .sink(let s, let tag): s.continuation.yield([(tag, answer)])
            }
        }
    }

    private struct Pending {
        var validator: UInt64
        var message: Proto_Message
        var waiter: Waiter
    }

    /// Each validator's outgoing messages, in the batches they were queued in (a live message is
    /// a batch of one; the gRPC services write a batch with one call).
    private var validators: [UInt64: AsyncStream<[Proto_Message]>.Continuation] = [:]
    private var order: [UInt64] = []
    private var nextID: UInt64 = 1
    private var turn = 0
    private var pending: [String: Pending] = [:]
    public private(set) var unknownVerdicts = 0

    public init() {}

    public var count: Int { validators.count }
    public var waiting: Int { pending.count }

    /// A validator connected: the messages it is to judge come out of the returned stream, in
    /// batches.
    public func connect() -> (id: UInt64, messages: AsyncStream<[Proto_Message]>) {
        let (stream, sink) = AsyncStream.makeStream(of: [Proto_Message].self)
        let id = nextID
        nextID += 1
        validators[id] = sink
        order.append(id)
        return (id, stream)
    }

    public func disconnect(_ id: UInt64) {
        validators.removeValue(forKey: id)?.finish()
        order.removeAll { $0 == id }
        var handedOver: [UInt64: [Proto_Message]] = [:]
        for (messageID, p) in pending where p.validator == id {
            if let other = pick() {
                pending[messageID]!.validator = other
                handedOver[other, default: []].append(p.message)
            } else {
                pending[messageID] = nil
                p.waiter.resume(nil, id: messageID)
            }
        }
        for (other, messages) in handedOver { validators[other]!.yield(messages) }
    }

    /// Ends every validator's stream (shutdown); their waiting messages get no verdict here.
    public func disconnectAll() {
        for id in order { disconnect(id) }
    }

    /// A verdict from a validator. NIL and unknown results count as IGNORE.
    public func verdict(_ v: Proto_ValidatedMessage) {
        guard let p = pending.removeValue(forKey: v.msg.messageID) else {
            unknownVerdicts += 1
            return
        }
        p.waiter.resume(Self.answer(v), id: v.msg.messageID)
    }

    /// Several verdicts at once: one actor hop for all of them, and one yield per sink.
    public func verdicts(_ vs: [Proto_ValidatedMessage]) {
        var grouped: [ObjectIdentifier: (VerdictSink, [(tag: UInt64, answer: Answer?)])] = [:]
        for v in vs {
            let id = v.msg.messageID
            guard let p = pending.removeValue(forKey: id) else {
                unknownVerdicts += 1
                continue
            }
            switch p.waiter {
            case .one(let c): c.resume(returning: Self.answer(v))
            case .sink(let s, let tag): grouped[ObjectIdentifier(s), default: (s, [])].1.append((tag, Self.answer(v)))
            }
        }
        for (_, (sink, answers)) in grouped { sink.continuation.yield(answers) }
    }

    static func answer(_ v: Proto_ValidatedMessage) -> Answer {
        switch v.result {
        case .accept: Answer(.accept, reason: v.reason.isEmpty ? nil : v.reason)
        case .reject: .reject(reason: v.reason.isEmpty ? "rejected_by_validator" : v.reason)
        default: Answer(.ignore, reason: v.reason.isEmpty ? nil : v.reason)
        }
    }

    /// The verdict of a connected validator, or nil when none is connected (or the caller's
    /// task is cancelled, e.g. by the validation timeout).
    public func validate(_ message: Proto_Message) async -> Answer? {
        guard pick() != nil else { return nil }
        let id = message.messageID
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (waiter: CheckedContinuation<Answer?, Never>) in
                guard let validator = pick() else { return waiter.resume(returning: nil) }
                if let earlier = pending[id] { earlier.waiter.resume(nil, id: id) }
                pending[id] = Pending(validator: validator, message: message, waiter: .one(waiter))
                turn += 1
                validators[validator]!.yield([message])
            }
        } onCancel: {
            Task { await self.abandon(id) }
        }
    }

    /// Sends `messages` to one validator; their verdicts go to `verdicts` with the message's tag
    /// (`firstTag` for the first, counting up). False (nothing sent) when no validator is
    /// connected. The caller keeps ids unique among its messages in flight.
    public func submit(_ messages: [Proto_Message], firstTag: UInt64, verdicts: VerdictSink) -> Bool {
        guard let validator = pick() else { return false }
        turn += 1
        for (i, m) in messages.enumerated() {
            if let earlier = pending[m.messageID] { earlier.waiter.resume(nil, id: m.messageID) }
            pending[m.messageID] = Pending(validator: validator, message: m, waiter: .sink(verdicts, tag: firstTag + UInt64(i)))
        }
        validators[validator]!.yield(messages)
        return true
    }

    /// Stops waiting for the verdict on `id` (its waiter gets nil); a late verdict for it is
    /// then counted as unknown.
    public func abandon(_ id: String) {
        pending.removeValue(forKey: id)?.waiter.resume(nil, id: id)
    }

    /// Abandons every message in `ids` (a replay that gave up waiting).
    public func abandon(_ ids: [String]) {
        for id in ids { abandon(id) }
    }

    private func pick() -> UInt64? {
        guard !order.isEmpty else { return nil }
        return order[turn % order.count]
    }
}
