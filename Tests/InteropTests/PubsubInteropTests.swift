import Foundation
import TestSupport
import XCTest

/// A mixed line go-libp2p <- Swift -> py-libp2p in strict-sign mode: every node's message reaches
/// every other node, the go and py messages through the Swift node's forwarding.
final class PubsubInteropTests: XCTestCase {
    /// A go-libp2p and a py-libp2p node subscribed to "t" (skips, or fails in CI, when not set up).
    func startReferencePeers() throws -> (go: ReferencePeer, py: ReferencePeer) {
        for impl in ReferencePeer.Implementation.allCases where !ReferencePeer.available(impl) {
            if ReferencePeer.required { XCTFail("reference peer \(impl) is not set up") }
            throw XCTSkip("reference peer \(impl) is not set up")
        }
        return (try ReferencePeer(.go, arguments: ["--security", "noise", "--topic", "t"]),
                try ReferencePeer(.py, arguments: ["--topic", "t"]))
    }

    /// Polls `peers` until the Swift node has `count` peers in its mesh of "t".
    func waitForMesh(_ node: AgentProcess, count: Int) -> Bool {
        for _ in 0..<30 {
            Thread.sleep(forTimeInterval: 0.5)
            node.send(#"{"cmd":"peers"}"#)
            let ready = node.waitFor(timeout: 2) {
                $0["event"] as? String == "peers" && (($0["mesh"] as? [String: [String]])?["t"]?.count ?? 0) == count
            }
            if ready != nil { return true }
        }
        return false
    }

    func testMixedMeshDeliversEverythingEverywhere() throws {
        let (go, py) = try startReferencePeers()
        defer { go.stop(); py.stop() }
        let swift = try AgentProcess(["--topic", "t", "--sign-policy", "strict-sign", "--dial", go.multiaddr, "--dial", py.multiaddr])
        defer { swift.stop() }
        // GRAFTs go out at the first heartbeat.
        XCTAssertTrue(waitForMesh(swift, count: 2), "the Swift node grafted both reference peers")
        Thread.sleep(forTimeInterval: 2)  // the reference peers graft at their own heartbeat
        swift.send(#"{"topic":"t","data_hex":"aa01"}"#)
        go.send(["topic": "t", "data_hex": "bb02"])
        py.send(["topic": "t", "data_hex": "cc03"])
        func got(_ hex: String) -> ([String: Any]) -> Bool { { $0["data_hex"] as? String == hex } }
        XCTAssertNotNil(swift.waitFor(timeout: 15, got("bb02")), "go -> swift")
        XCTAssertNotNil(swift.waitFor(timeout: 15, got("cc03")), "py -> swift")
        XCTAssertNotNil(go.waitFor(timeout: 15, got("aa01")), "swift -> go")
        XCTAssertNotNil(go.waitFor(timeout: 15, got("cc03")), "py -> swift -> go")
        XCTAssertNotNil(py.waitFor(timeout: 15, got("aa01")), "swift -> py")
        XCTAssertNotNil(py.waitFor(timeout: 15, got("bb02")), "go -> swift -> py")
    }

    /// What a new user tries: go-libp2p -- Swift -- Swift -- py-libp2p in a line, a message from
    /// each node, every message arrives at every other node (through two Swift hops for the ends).
    func testLineOfGoSwiftSwiftPy() throws {
        let (go, py) = try startReferencePeers()
        defer { go.stop(); py.stop() }
        let left = try AgentProcess(["--topic", "t", "--sign-policy", "strict-sign", "--dial", go.multiaddr])
        defer { left.stop() }
        let right = try AgentProcess(["--topic", "t", "--sign-policy", "strict-sign", "--dial", left.multiaddr, "--dial", py.multiaddr])
        defer { right.stop() }
        for node in [left, right] {
            XCTAssertTrue(waitForMesh(node, count: 2), "each Swift node has its two neighbours in its mesh")
        }
        Thread.sleep(forTimeInterval: 2)  // the reference peers graft at their own heartbeat
        go.send(["topic": "t", "data_hex": "01"])
        left.send(#"{"topic":"t","data_hex":"02"}"#)
        right.send(#"{"topic":"t","data_hex":"03"}"#)
        py.send(["topic": "t", "data_hex": "04"])
        func got(_ hex: String) -> ([String: Any]) -> Bool { { $0["data_hex"] as? String == hex } }
        for hex in ["02", "03", "04"] { XCTAssertNotNil(go.waitFor(timeout: 15, got(hex)), "\(hex) -> go") }
        for hex in ["01", "03", "04"] { XCTAssertNotNil(left.waitFor(timeout: 15, got(hex)), "\(hex) -> left Swift") }
        for hex in ["01", "02", "04"] { XCTAssertNotNil(right.waitFor(timeout: 15, got(hex)), "\(hex) -> right Swift") }
        for hex in ["01", "02", "03"] { XCTAssertNotNil(py.waitFor(timeout: 15, got(hex)), "\(hex) -> py") }
    }
}
