import Dispatch
import Foundation

/// Resumes once one of the given signals arrives.
public final class SignalWaiter: @unchecked Sendable {
    // @unchecked: `sources` is set once in init and only kept to hold the sources alive.
    private let sources: [DispatchSourceSignal]
    private let stream: AsyncStream<Void>
    private let sink: AsyncStream<Void>.Continuation

    public init(_ signals: [Int32]) {
        (stream, sink) = AsyncStream.makeStream(of: Void.self)
        let sink = self.sink
        sources = signals.map { sig in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig)
            source.setEventHandler { sink.yield() }
            source.resume()
            return source
        }
    }

    public func wait() async {
        for await _ in stream { return }
    }
}
