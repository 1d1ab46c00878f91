import Foundation
import TestSupport
import XCTest

/// `p2pmq agent --stdio` driven by JSON lines, as the interop harness drives reference peers.
final class AgentStdioTests: XCTestCase {
    final class Agent {
        let process = Process()
        let input = Pipe()
        let output = Pipe()
        var lines: [[String: Any]] = []
        var buffer = Data()

        init(_ args: [String] = []) throws {
            process.executableURL = URL(fileURLWithPath: Executable.path())
            process.arguments = ["agent", "--stdio"] + args
            process.standardInput = input
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
        }

        func send(_ json: String) { input.fileHandleForWriting.write(Data((json + "\n").utf8)) }

        /// Reads lines until one matches (or 15 s pass).
        func waitFor(_ match: ([String: Any]) -> Bool) -> [String: Any]? {
            if let hit = lines.first(where: match) { return hit }
            let deadline = Date().addingTimeInterval(15)
            let handle = output.fileHandleForReading
            while Date() < deadline {
                let chunk = handle.availableData
                if chunk.isEmpty { return nil }
                buffer += chunk
                while let nl = buffer.firstIndex(of: 10) {
                    if let obj = try? JSONSerialization.jsonObject(with: buffer[..<nl]) as? [String: Any] {
                        lines.append(obj)
                        if match(obj) { buffer = Data(buffer[(nl + 1)...]); return obj }
                    }
                    buffer = Data(buffer[(nl + 1)...])
                }
            }
            return nil
        }

        deinit { if process.isRunning { process.terminate() } }
    }

    func testTwoAgentsDialListAndQuit() throws {
        let a = try Agent()
        let first = try XCTUnwrap(a.waitFor { $0["multiaddr"] != nil })
        let addr = try XCTUnwrap(first["multiaddr"] as? String)
        let idA = try XCTUnwrap(first["peer_id"] as? String)
        XCTAssertTrue(addr.hasSuffix("/p2p/\(idA)"))

        let b = try Agent()
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
        try a.input.fileHandleForWriting.close()  // end of input also ends the agent
        a.process.waitUntilExit()
        XCTAssertEqual(a.process.terminationStatus, 0)
    }
}
