import AgentAPI
import Core
import Gossip

/// The validators connected over `ValidationRouter.Handle`. Each message goes to one of them
/// (round robin) and waits for its verdict, matched by message id. A validator that goes away
/// hands its unanswered messages to the others; with none left they get no verdict here (the
/// agent's `whenNoValidator` policy decides). Verdicts for ids nobody is waiting for (late, or
/// made up) are counted and dropped.
public actor ValidatorPool {
    public typealias Answer = PubsubService.ValidationAnswer

    private struct Pending {
        var validator: UInt64
        var message: Proto_Message
        var waiter: CheckedContinuation<Answer?, Never>
    }

    private var validators: [UInt64: AsyncStream<Proto_Message>.Continuation] = [:]
    private var order: [UInt64] = []
    private var nextID: UInt64 = 1
    private var turn = 0
    private var pending: [String: Pending] = [:]
    public private(set) var unknownVerdicts = 0

    public init() {}

    public var count: Int { validators.count }
    public var waiting: Int { pending.count }

    /// A validator connected: the messages it is to judge come out of the returned stream.
    public func connect() -> (id: UInt64, messages: AsyncStream<Proto_Message>) {
        let id = nextID
        nextID += 1
        let (stream, sink) = AsyncStream.makeStream(of: Proto_Message.self)
        validators[id] = sink
        order.append(id)
        return (id, stream)
    }

    public func disconnect(_ id: UInt64) {
        validators.removeValue(forKey: id)?.finish()
        order.removeAll { $0 == id }
        for (messageID, p) in pending where p.validator == id {
            if let other = pick() {
                pending[messageID]!.validator = other
                validators[other]!.yield(p.message)
            } else {
                pending[messageID] = nil
                p.waiter.resume(returning: nil)
            }
        }
    }

    /// Ends every validator's stream (shutdown); their waiting messages get no verdict here.
    public func disconnectAll() {
        for id in order { disconnect(id) }
    }

    /// A verdict from validator `id`. NIL and unknown results count as IGNORE.
    public func verdict(_ v: Proto_ValidatedMessage) {
        guard let p = pending.removeValue(forKey: v.msg.messageID) else {
            unknownVerdicts += 1
            return
        }
        let answer: Answer
        switch v.result {
        case .accept: answer = Answer(.accept, reason: v.reason.isEmpty ? nil : v.reason)
        case .reject: answer = .reject(reason: v.reason.isEmpty ? "rejected_by_validator" : v.reason)
        default: answer = Answer(.ignore, reason: v.reason.isEmpty ? nil : v.reason)
        }
        p.waiter.resume(returning: answer)
    }

    /// The verdict of a connected validator, or nil when none is connected (or the caller's
    /// task is cancelled, e.g. by the validation timeout).
    public func validate(_ message: Proto_Message) async -> Answer? {
        guard pick() != nil else { return nil }
        let id = message.messageID
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (waiter: CheckedContinuation<Answer?, Never>) in
                guard let validator = pick() else { return waiter.resume(returning: nil) }
                if let earlier = pending[id] { earlier.waiter.resume(returning: nil) }
                pending[id] = Pending(validator: validator, message: message, waiter: waiter)
                turn += 1
                validators[validator]!.yield(message)
            }
        } onCancel: {
            Task { await self.abandon(id) }
        }
    }

    /// Stops waiting for the verdict on `id` (its `validate` returns nil); a late verdict for it
    /// is then counted as unknown.
    public func abandon(_ id: String) {
        pending.removeValue(forKey: id)?.waiter.resume(returning: nil)
    }

    private func pick() -> UInt64? {
        guard !order.isEmpty else { return nil }
        return order[turn % order.count]
    }
}
