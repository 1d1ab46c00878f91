import Foundation

/// A libp2p node of another implementation (go-libp2p through the `libp2p-go` wheel, or
/// py-libp2p), run by the harness scripts in ../shared/interop as a JSON-lines child process.
public final class ReferencePeer: @unchecked Sendable {
    // @unchecked: immutable after init; the collector synchronises itself.
    public enum Implementation: String, Sendable, CaseIterable {
        case go, py
        var script: String { self == .go ? "go_node.py" : "py_node.py" }
    }

    public let implementation: Implementation
    public let multiaddr: String
    public let peerID: String
    private let process: Process
    private let stdin: FileHandle
    private let collector: JSONLineCollector

    /// Where setup.sh put the two venvs (CI: /tmp/p2pmq-interop).
    public static var venvRoot: String { ProcessInfo.processInfo.environment["P2PMQ_INTEROP_DIR"] ?? "/tmp/p2pmq-interop" }

    /// ../shared/interop next to the package root.
    public static var scriptsDir: String {
        if let dir = ProcessInfo.processInfo.environment["P2PMQ_INTEROP_SCRIPTS"] { return dir }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.deletingLastPathComponent().appendingPathComponent("shared/interop").path
    }

    /// Whether the reference peers can run here; CI sets P2PMQ_INTEROP_REQUIRED=1 so that a
    /// missing setup fails instead of skipping.
    public static func available(_ impl: Implementation) -> Bool {
        FileManager.default.isExecutableFile(atPath: "\(venvRoot)/\(impl.rawValue)/bin/python")
            && FileManager.default.fileExists(atPath: "\(scriptsDir)/\(impl.script)")
    }

    public static var required: Bool { ProcessInfo.processInfo.environment["P2PMQ_INTEROP_REQUIRED"] == "1" }

    public init(_ impl: Implementation, arguments: [String] = [], timeout: TimeInterval = 30) throws {
        implementation = impl
        process = Process()
        process.executableURL = URL(fileURLWithPath: "\(Self.venvRoot)/\(impl.rawValue)/bin/python")
        process.arguments = ["\(Self.scriptsDir)/\(impl.script)", "--events", "--max-seconds", "120"] + arguments
        let out = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardInput = input
        process.standardError = FileHandle.nullDevice
        stdin = input.fileHandleForWriting
        try process.run()
        // First line: the peer's address.
        let reader = out.fileHandleForReading
        var buffer = Data()
        let deadline = Date().addingTimeInterval(timeout)
        var first: [String: Any]?
        while first == nil {
            let chunk = reader.availableData
            guard !chunk.isEmpty, Date() < deadline else {
                process.terminate()
                throw NSError(domain: "ReferencePeer", code: 1, userInfo: [NSLocalizedDescriptionKey: "\(impl) peer did not start"])
            }
            buffer += chunk
            if let nl = buffer.firstIndex(of: 10) {
                first = try JSONSerialization.jsonObject(with: buffer[..<nl]) as? [String: Any]
                buffer = Data(buffer[(nl + 1)...])
            }
        }
        multiaddr = first!["multiaddr"] as! String
        peerID = first!["peer_id"] as! String
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

    public func stop() {
        send(["cmd": "quit"])
        try? stdin.close()
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { process.terminate() }
    }

    deinit { if process.isRunning { process.terminate() } }
}
