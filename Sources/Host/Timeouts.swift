import NIOConcurrencyHelpers

public struct TimeoutError: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "timed out" }
}

/// Runs `operation`, throwing `TimeoutError` when it has not finished within `limit`. The
/// operation is cancelled then but may keep running until whatever it waits on ends (stream
/// reads end when the caller resets the stream), so callers clean up after a timeout.
public func withTimeout<T: Sendable>(_ limit: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    let race = Race<T>()
    return try await withCheckedThrowingContinuation { continuation in
        race.start(continuation, work: Task {
            do { race.finish(.success(try await operation())) } catch { race.finish(.failure(error)) }
        }, timer: Task {
            try? await Task.sleep(for: limit)
            if !Task.isCancelled { race.finish(.failure(TimeoutError())) }
        })
    }
}

/// The first of the operation and the timer to finish resumes the caller and cancels the other.
private final class Race<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, Error>?
        var result: Result<T, Error>?
        var work: Task<Void, Never>?
        var timer: Task<Void, Never>?
    }
    private let state = NIOLockedValueBox(State())

    func start(_ c: CheckedContinuation<T, Error>, work: Task<Void, Never>, timer: Task<Void, Never>) {
        let early = state.withLockedValue { s -> Result<T, Error>? in
            s.work = work
            s.timer = timer
            if let r = s.result { return r }
            s.continuation = c
            return nil
        }
        if let early {
            work.cancel()
            timer.cancel()
            c.resume(with: early)
        }
    }

    func finish(_ result: Result<T, Error>) {
        let (c, work, timer) = state.withLockedValue { s -> (CheckedContinuation<T, Error>?, Task<Void, Never>?, Task<Void, Never>?) in
            guard s.result == nil else { return (nil, nil, nil) }
            s.result = result
            defer { s.continuation = nil }
            return (s.continuation, s.work, s.timer)
        }
        guard let c else { return }
        work?.cancel()
        timer?.cancel()
        c.resume(with: result)
    }
}

/// Watches a response for silence: when no progress is reported for `limit`, it runs `onStall`
/// once (which resets the stream, so the blocked read ends with an error).
public final class StallWatchdog: Sendable {
    private let last = NIOLockedValueBox(ContinuousClock.now)
    private let fired = NIOLockedValueBox(false)
    private let task = NIOLockedValueBox<Task<Void, Never>?>(nil)

    public init(limit: Duration, onStall: @escaping @Sendable () async -> Void) {
        let tick = min(limit, .milliseconds(250))
        task.withLockedValue {
            $0 = Task { [last, fired] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: tick)
                    if Task.isCancelled { return }
                    if ContinuousClock.now - last.withLockedValue({ $0 }) > limit {
                        fired.withLockedValue { $0 = true }
                        await onStall()
                        return
                    }
                }
            }
        }
    }

    public func progress() { last.withLockedValue { $0 = .now } }
    public var didFire: Bool { fired.withLockedValue { $0 } }
    public func cancel() { task.withLockedValue { $0?.cancel() } }
}
