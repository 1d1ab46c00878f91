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
    private let peer: ScriptPeer

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
        peer = try ScriptPeer(executable: "\(Self.venvRoot)/\(impl.rawValue)/bin/python",
                              arguments: ["\(Self.scriptsDir)/\(impl.script)", "--events", "--max-seconds", "120"] + arguments, timeout: timeout)
        multiaddr = peer.first["multiaddr"] as! String
        peerID = peer.first["peer_id"] as! String
    }

    public func send(_ object: [String: Any]) { peer.send(object) }

    /// Waits for an output line matching `match`.
    public func waitFor(timeout: TimeInterval = 20, _ match: ([String: Any]) -> Bool) -> [String: Any]? {
        peer.waitFor(timeout: timeout, match)
    }

    public func stop() { peer.stop() }
}
