import Synchronization

/// A value a service announces once it is up (bound addresses, a port), awaited by others
/// (the ready line). Set once; later sets are ignored. Waiting is cancellable, so a service
/// waiting for one that failed to start ends with the group.
public final class Readiness<Value: Sendable>: Sendable {
    private struct State {
        var value: Value?
        var waiters: [Int: CheckedContinuation<Value?, Never>] = [:]
        var nextWaiter = 0
    }

    private let state = Mutex(State())

    public init() {}

    public func set(_ value: Value) {
        let waiters = state.withLock { s -> [CheckedContinuation<Value?, Never>] in
            guard s.value == nil else { return [] }
            s.value = value
            defer { s.waiters = [:] }
            return Array(s.waiters.values)
        }
        for w in waiters { w.resume(returning: value) }
    }

    /// The value once set; throws `CancellationError` if the task is cancelled first.
    public func value() async throws -> Value {
        let id = state.withLock { s -> Int in
            s.nextWaiter += 1
            return s.nextWaiter
        }
        let got = await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Value?, Never>) in
                let ready = state.withLock { s -> Value?? in
                    if let v = s.value { return .some(v) }
                    if Task.isCancelled { return .some(nil) }
                    s.waiters[id] = c
                    return nil
                }
                if let ready { c.resume(returning: ready) }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume(returning: nil)
        }
        guard let got else { throw CancellationError() }
        return got
    }

    public var current: Value? { state.withLock { $0.value } }
}
