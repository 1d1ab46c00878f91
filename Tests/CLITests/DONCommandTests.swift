import Foundation
import TestSupport
import XCTest

final class DONCommandTests: XCTestCase {
    var dir: TemporaryDirectory!

    override func setUp() { dir = TemporaryDirectory("cli-don") }
    override func tearDown() { dir.remove() }

    func testInitSignVerify() throws {
        let don = dir.sub("don-a")
        var r = try Executable.run(["don", "init", "--id", "don-a", "--nodes", "4", "--out", don, "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains(#""required":3"#), r.stdout)
        XCTAssertTrue(FileManager.default.fileExists(atPath: don + "/signer-3.key"))
        let mode = try FileManager.default.attributesOfItem(atPath: don + "/signer-0.key")[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600)
        // Refuses to overwrite.
        XCTAssertNotEqual(try Executable.run(["don", "init", "--id", "don-a", "--nodes", "4", "--out", don]).status, 0)

        let good = try Executable.run(["report", "sign", "--don", don, "--topic", "t", "--seq", "5", "--payload", "x"]).stdout
        r = try Executable.run(["report", "verify", "--don", don, "--topic", "t", "-"], stdin: good)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("ACCEPT"), r.stdout)

        let few = try Executable.run(["report", "sign", "--don", don, "--topic", "t", "--seq", "5", "--signers", "0,1"]).stdout
        r = try Executable.run(["report", "verify", "--don", don, "--topic", "t", "--json", "-"], stdin: few)
        XCTAssertEqual(r.status, 3)
        XCTAssertTrue(r.stdout.contains(#""reason":"insufficient_quorum""#), r.stdout)

        r = try Executable.run(["report", "verify", "--don", don, "--topic", "other-topic", "-"], stdin: good)
        XCTAssertEqual(r.status, 3)
        XCTAssertTrue(r.stdout.contains("bad_signature"), r.stdout)

        let other = dir.sub("don-b")
        XCTAssertEqual(try Executable.run(["don", "init", "--id", "don-b", "--nodes", "1", "--out", other]).status, 0)
        r = try Executable.run(["report", "verify", "--don", other, "--topic", "t", "-"], stdin: good)
        XCTAssertTrue(r.stdout.contains("unknown_don"), r.stdout)

        XCTAssertNotEqual(try Executable.run(["report", "sign", "--don", don, "--topic", "t", "--seq", "1", "--signers", "0,9"]).status, 0)
    }

    func testVerifyAppliesSequenceRulesAgainstADataDir() throws {
        let don = dir.sub("don")
        XCTAssertEqual(try Executable.run(["don", "init", "--id", "don-a", "--nodes", "4", "--out", don, "--validity", "20", "--skip", "2"]).status, 0)
        // A data dir whose head for don-a on topic t is seq 100.
        let record = #"{"topic":"t","msg_id":"m1","received_at":"2026-01-01T00:00:00Z","from":"p","don":"don-a","seq":100,"verdict":"ACCEPT","reason":"","data_b64":"AA=="}"#
        XCTAssertEqual(try Executable.run(["import", "-", "--data-dir", dir.sub("data")], stdin: record).status, 0)
        let stale = try Executable.run(["report", "sign", "--don", don, "--topic", "t", "--seq", "50"]).stdout
        let r = try Executable.run(["report", "verify", "--don", don, "--topic", "t", "--data-dir", dir.sub("data"), "-"], stdin: stale)
        XCTAssertEqual(r.status, 3)
        XCTAssertTrue(r.stdout.contains("stale_seq"), r.stdout)
    }

    func testHelpExplainsCommands() throws {
        let r = try Executable.run(["--help"])
        for command in ["import", "export", "history", "heads", "audit", "index", "don", "report"] {
            XCTAssertTrue(r.stdout.contains(command), "help lists \(command)")
        }
        XCTAssertTrue(try Executable.run(["history", "--help"]).stdout.contains("--since"))
    }
}
