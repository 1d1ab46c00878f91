import Foundation

/// A child process that talks JSON lines: its first stdout line says who it is, then commands
/// go in on stdin and answers or events come out on stdout. Reference peers of other
/// implementations (py-libp2p, go-libp2p) run this way.
public final class ScriptPeer: @unchecked Sendable {
    // @unchecked: immutable after init; the collector synchronises itself, FileHandle writes
    // are atomic per call.
    public let first: [String: Any]
    private let process: Process
    private let stdin: FileHandle
    private let collector: JSONLineCollector

    public init(executable: String, arguments: [String], timeout: TimeInterval = 30) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardInput = input
        process.standardError = FileHandle.nullDevice
        stdin = input.fileHandleForWriting
        try process.run()
        let reader = out.fileHandleForReading
        var buffer = Data()
        let deadline = Date().addingTimeInterval(timeout)
        var first: [String: Any]?
        while first == nil {
            let chunk = reader.availableData
            guard !chunk.isEmpty, Date() < deadline else {
                process.terminate()
                throw NSError(domain: "ScriptPeer", code: 1, userInfo: [NSLocalizedDescriptionKey: "\(arguments.first ?? executable) did not start"])
            }
            buffer += chunk
            if let nl = buffer.firstIndex(of: 10) {
                first = try JSONSerialization.jsonObject(with: buffer[..<nl]) as? [String: Any]
                buffer = Data(buffer[(nl + 1)...])
            }
        }
        self.first = first!
        collector = JSONLineCollector(reader, pending: buffer)
    }

    public func send(_ object: [String: Any]) {
        guard let data = try? JSONSerialization.data(withJSONObject: object) else { return }
        stdin.write(data + Data([10]))
    }

    /// Waits for an output line matching `match`.
    public func waitFor(timeout: TimeInterval = 20, _ match: ([String: Any]) -> Bool) -> [String: Any]? {
        collector.waitFor(timeout: timeout, match)
    }

    /// Sends a command and waits for the next line that is not an event (its answer).
    public func ask(_ command: [String: Any], timeout: TimeInterval = 60) -> [String: Any]? {
        let before = collector.count
        send(command)
        return collector.waitFor(timeout: timeout, after: before) { $0["event"] == nil }
    }

    public func stop() {
        send(["cmd": "quit"])
        try? stdin.close()
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { process.terminate() }
    }

    deinit { if process.isRunning { process.terminate() } }
}
