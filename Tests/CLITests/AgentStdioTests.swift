import Foundation
import TestSupport
import XCTest

/// `p2pmq agent --stdio` driven by JSON lines, as the interop harness drives reference peers.
final class AgentStdioTests: XCTestCase {
    func testTwoAgentsDialListAndQuit() throws {
        let a = try AgentProcess([])
        let addr = a.multiaddr
        let idA = try XCTUnwrap(addr.components(separatedBy: "/p2p/").last)
        XCTAssertTrue(idA.hasPrefix("12D3KooW"), addr)

        let b = try AgentProcess([])
        b.send(#"{"cmd":"dial","addr":"\#(addr)"}"#)
        XCTAssertNotNil(b.waitFor { $0["event"] as? String == "connected" && $0["peer"] as? String == idA })
        XCTAssertNotNil(b.waitFor { $0["event"] as? String == "identified" && $0["peer"] as? String == idA })
        b.send(#"{"cmd":"peers"}"#)
        let peers = b.waitFor { $0["event"] as? String == "peers" }
        XCTAssertEqual(peers?["peers"] as? [String], [idA])
        b.send("not json")
        XCTAssertNotNil(b.waitFor { $0["event"] as? String == "error" })
        b.send(#"{"cmd":"dial","addr":"/ip4/127.0.0.1/tcp/1"}"#)
        XCTAssertNotNil(b.waitFor { $0["event"] as? String == "dial_failed" })
        b.send(#"{"cmd":"quit"}"#)
        b.process.waitUntilExit()
        XCTAssertEqual(b.process.terminationStatus, 0)
        XCTAssertNotNil(a.waitFor { $0["event"] as? String == "disconnected" })
        a.closeInput()  // end of input also ends the agent
        a.process.waitUntilExit()
        XCTAssertEqual(a.process.terminationStatus, 0)
    }

    /// `burst` publishes generated payloads; a direct peer (--direct) is dialed by itself and
    /// gets every message without being in the mesh; own messages are not echoed.
    func testBurstToADirectPeer() throws {
        let a = try AgentProcess(["--topic", "t"])
        let idA = try XCTUnwrap(a.multiaddr.components(separatedBy: "/p2p/").last)
        let b = try AgentProcess(["--topic", "t", "--direct", a.multiaddr])
        let idB = try XCTUnwrap(b.multiaddr.components(separatedBy: "/p2p/").last)
        defer { a.stop(); b.stop() }
        XCTAssertNotNil(b.waitFor { $0["event"] as? String == "connected" && $0["peer"] as? String == idA }, "b dialed its direct peer")
        Thread.sleep(forTimeInterval: 1)  // subscriptions exchanged
        b.send(#"{"cmd":"burst","topic":"t","count":20,"size":256,"rate":0}"#)
        XCTAssertNotNil(b.waitFor { $0["event"] as? String == "burst_done" && $0["count"] as? Int == 20 })
        var seqs: Set<String> = []
        for m in a.waitForAll(20, { $0["data_hex"] != nil }) {
            let hex = try XCTUnwrap(m["data_hex"] as? String)
            XCTAssertEqual(hex.count, 512, "256 bytes")
            XCTAssertTrue(hex.hasPrefix("50594231"), "PYB1 magic")
            XCTAssertEqual(m["from"] as? String, idB)
            seqs.insert(String(hex.dropFirst(8).prefix(8)))
        }
        XCTAssertEqual(seqs.count, 20, "every burst message arrived once")
        XCTAssertNil(b.waitFor(timeout: 0.5, { $0["data_hex"] != nil }), "no echo of own messages without --echo-self")
        a.send(#"{"cmd":"peers"}"#)
        let peers = try XCTUnwrap(a.waitFor { $0["event"] as? String == "peers" })
        XCTAssertEqual((peers["mesh"] as? [String: [String]])?["t"] ?? [], [], "b, which has a as a direct peer, answers GRAFT with PRUNE")
        b.send(#"{"cmd":"burst","topic":"t"}"#)
        XCTAssertNotNil(b.waitFor { $0["event"] as? String == "error" }, "burst without count is an error")
    }
}
