import Foundation
import TestSupport
import XCTest

/// `p2pmq agent --config FILE --check`: a valid file prints what it configures; an invalid one
/// exits 1 naming the key.
final class AgentConfigCheckTests: XCTestCase {
    func testCheckReportsAValidConfigAndItsWarnings() throws {
        let dir = TemporaryDirectory()
        let path = dir.path + "/agent.yaml"
        try """
            listenAddrs: [/ip4/127.0.0.1/tcp/5001]
            pubsub:
              topics: [{name: don-a/prices}]
              overlay: {d: 8, dhi: 14}
            natPortMap: true
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let ok = try Executable.run(["agent", "--config", path, "--check"])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertTrue(ok.stdout.contains("\(path): valid"), ok.stdout)
        XCTAssertTrue(ok.stdout.contains("D=8"), ok.stdout)
        XCTAssertTrue(ok.stdout.contains("don-a/prices"), ok.stdout)
        XCTAssertTrue(ok.stdout.contains("warning: natPortMap"), ok.stdout)

        try "pubsub:\n  overlay:\n    dlo: eight\n".write(toFile: path, atomically: true, encoding: .utf8)
        let bad = try Executable.run(["agent", "--config", path, "--check"])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("invalidConfig"), bad.stderr)
        XCTAssertTrue(bad.stderr.contains("'pubsub.overlay.dlo' (line 3)"), bad.stderr)

        let missing = try Executable.run(["agent", "--check"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("--check needs --config"), missing.stderr)
    }
}
