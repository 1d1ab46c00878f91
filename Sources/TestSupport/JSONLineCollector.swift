import Foundation

/// Reads JSON objects, one per line, from a child process's output on a background thread, and
/// lets tests wait for a line that matches.
public final class JSONLineCollector: @unchecked Sendable {
    // @unchecked: `lines` is only touched with `lock` held.
    private let lock = NSLock()
    private var lines: [[String: Any]] = []

    /// `pending` holds bytes already read from `handle` (after a first line read by the caller).
    public init(_ handle: FileHandle, pending: Data = Data()) {
        Thread.detachNewThread { [weak self] in
            var buffer = pending
            while true {
                while let nl = buffer.firstIndex(of: 10) {
                    if let obj = try? JSONSerialization.jsonObject(with: buffer[..<nl]) as? [String: Any] {
                        self?.append(obj)
                    }
                    buffer = Data(buffer[(nl + 1)...])
                }
                let chunk = handle.availableData
                if chunk.isEmpty { return }
                buffer += chunk
            }
        }
    }

    private func append(_ line: [String: Any]) {
        lock.lock()
        lines.append(line)
        lock.unlock()
    }

    /// Every line matching `match` once there are at least `count`, or what there is after
    /// `timeout` seconds.
    public func waitForAll(_ count: Int, timeout: TimeInterval = 20, _ match: ([String: Any]) -> Bool) -> [[String: Any]] {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            lock.lock()
            let found = lines.filter(match)
            lock.unlock()
            if found.count >= count || Date() >= deadline { return found }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    /// Lines read so far.
    public var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return lines.count
    }

    /// The first line matching `match` (lines stay: a later call finds it again), among the lines
    /// from index `after` on, waiting up to `timeout` seconds.
    public func waitFor(timeout: TimeInterval = 20, after: Int = 0, _ match: ([String: Any]) -> Bool) -> [String: Any]? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            lock.lock()
            let found = lines.dropFirst(after).first(where: match)
            lock.unlock()
            if let found { return found }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return nil
    }
}

/// `p2pmq agent` as a child process: `--stdio` driven like the reference peers, or the daemon
/// (`--config`), whose first line is `{"event":"ready",...}`.
public final class AgentProcess: @unchecked Sendable {
    // @unchecked: immutable after init; the collector synchronises itself.
    public let process = Process()
    private let input = Pipe()
    private let collector: JSONLineCollector
    /// The first line: {"multiaddr",...} for --stdio, {"event":"ready","listen",...} for --config.
    public let first: [String: Any]
    /// The agent's (first) listen address with /p2p/.
    public var multiaddr: String { first["multiaddr"] as? String ?? (first["listen"] as? [String])?.first ?? "" }

    /// `p2pmq agent --stdio ARGS`.
    public convenience init(_ args: [String]) throws {
        try self.init(arguments: ["agent", "--stdio"] + args, ready: "multiaddr")
    }

    /// `p2pmq ARGUMENTS` (or `executable`, e.g. a `pmq` link to it), ready once a line with key
    /// `ready` is printed; stderr goes to `stderrPath` when given; `environment` is added to the
    /// test's own.
    public init(arguments: [String], ready: String, stderrPath: String? = nil, executable: String? = nil,
                environment: [String: String] = [:]) throws {
        process.executableURL = URL(fileURLWithPath: executable ?? Executable.path())
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        if let stderrPath {
            FileManager.default.createFile(atPath: stderrPath, contents: nil)
            process.standardError = FileHandle(forWritingAtPath: stderrPath)
        } else {
            process.standardError = FileHandle.nullDevice
        }
        try process.run()
        collector = JSONLineCollector(output.fileHandleForReading)
        guard let line = collector.waitFor(timeout: 30, { $0[ready] != nil }) else {
            process.terminate()
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "the agent printed no '\(ready)' line"])
        }
        first = line
    }

    /// SIGTERM, then the exit status (SIGKILL after `timeout` seconds).
    public func terminate(timeout: TimeInterval = 10) -> Int32 {
        process.terminate()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    public func send(_ line: String) { input.fileHandleForWriting.write(Data((line + "\n").utf8)) }

    public func closeInput() { try? input.fileHandleForWriting.close() }

    public func waitFor(timeout: TimeInterval = 15, _ match: ([String: Any]) -> Bool) -> [String: Any]? {
        collector.waitFor(timeout: timeout, match)
    }

    public func waitForAll(_ count: Int, timeout: TimeInterval = 15, _ match: ([String: Any]) -> Bool) -> [[String: Any]] {
        collector.waitForAll(count, timeout: timeout, match)
    }

    public func stop() {
        send(#"{"cmd":"quit"}"#)
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { process.terminate() }
    }

    deinit { if process.isRunning { process.terminate() } }
}
