import UnixSignals

/// Resumes once one of the given signals arrives: for the commands that are not a service group
/// (devnet, validator, the stdio agent, the hostile peer). The signals are trapped when it is
/// made, so one that comes before `wait()` is not lost nor fatal.
public struct SignalWaiter: Sendable {
    private let signals: UnixSignalsSequence

    public static func trapping(_ signals: [UnixSignal] = [.sigint, .sigterm]) async -> SignalWaiter {
        SignalWaiter(signals: await UnixSignalsSequence(trapping: signals))
    }

    public func wait() async {
        for await _ in signals { return }
    }
}
