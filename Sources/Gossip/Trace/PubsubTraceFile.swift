import Core
import Foundation
import Synchronization
import Wire

/// `pubsub.trace`: go-libp2p-pubsub's trace events written to a file as its JSONTracer writes
/// them (one JSON object per line, `GoTraceJSON`), so tools built for Go agents' traces read ours.
/// Event types on the skip list are left out (as the Go agent's tracer does); with `debug` each
/// written event is also logged. Lines are buffered and written at least once a second and at
/// `close()`.
public final class PubsubTraceFile: Sendable {
    private struct State {
        var handle: FileHandle?
        var buffer: [UInt8] = []
        var lastFlush: UInt64
    }

    /// nil: nothing is written (events are only logged, with `debug`).
    public let path: String?
    private let skip: Set<TraceEvent.Kind>
    private let localPeer: [UInt8]
    private let debug: (@Sendable (String) -> Void)?
    private let state: Mutex<State>

    /// Creates (truncates) `path`, as Go's NewJSONTracer does.
    public init(path: String?, localPeer: PeerID, skip: Set<TraceEvent.Kind> = [], debug: (@Sendable (String) -> Void)? = nil) throws {
        var handle: FileHandle?
        if let path {
            guard FileManager.default.createFile(atPath: path, contents: nil), let h = FileHandle(forWritingAtPath: path) else {
                throw GossipError(.invalidConfig, "cannot create the trace file \(path)")
            }
            handle = h
        }
        self.path = path
        self.skip = skip
        self.localPeer = localPeer.bytes
        self.debug = debug
        state = Mutex(State(handle: handle, lastFlush: WallClock.nanoseconds()))
    }

    public func write(_ events: [TraceEvent]) {
        let now = WallClock.nanoseconds()
        var lines: [String] = []
        for e in events where !skip.contains(e.kind) {
            let line = GoTraceJSON.line(e, localPeer: localPeer, timestamp: Int64(clamping: now))
            debug?("pubsub trace: \(line)")
            lines.append(line)
        }
        guard !lines.isEmpty, path != nil else { return }
        state.withLock { s in
            for line in lines { s.buffer += Array(line.utf8) + [0x0A] }
            if s.buffer.count >= 64 << 10 || now &- s.lastFlush >= 1_000_000_000 { Self.flush(&s, now: now) }
        }
    }

    /// Writes what is buffered.
    public func flush() { state.withLock { Self.flush(&$0, now: WallClock.nanoseconds()) } }

    /// Writes what is buffered and closes the file; later events are dropped.
    public func close() {
        state.withLock { s in
            Self.flush(&s, now: WallClock.nanoseconds())
            try? s.handle?.close()
            s.handle = nil
        }
    }

    private static func flush(_ s: inout State, now: UInt64) {
        s.lastFlush = now
        guard !s.buffer.isEmpty, let handle = s.handle else { return }
        try? handle.write(contentsOf: s.buffer)
        s.buffer.removeAll(keepingCapacity: true)
    }
}
