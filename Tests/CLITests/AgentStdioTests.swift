import Foundation
import TestSupport
import XCTest

/// `p2pmq agent --stdio` driven by JSON lines, as the interop harness drives reference peers.
final class AgentStdioTests: XCTestCase {
    func testTwoAgentsDialListAndQuit() throws {
        let a = try AgentProcess([])
        let first = try XCTUnwrap(a.waitFor { $0["multiaddr"] != nil })
        let addr = try XCTUnwrap(first["multiaddr"] as? String)
        let idA = try XCTUnwrap(first["peer_id"] as? String)
        XCTAssertTrue(addr.hasSuffix("/p2p/\(idA)"))

        let b = try AgentProcess([])
        XCTAssertNotNil(b.waitFor { $0["multiaddr"] != nil })
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
}
