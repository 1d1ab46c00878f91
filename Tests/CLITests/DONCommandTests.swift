import Foundation
import TestSupport
import XCTest

final class DONCommandTests: XCTestCase {
    var dir: TemporaryDirectory!

    override func setUp() { dir = TemporaryDirectory("cli-don") }
    override func tearDown() { dir.remove() }

    /// An OCR2 DON from the CLI: init with secp256k1 keys, show as JSON, sign transmit calldata,
    /// verify it; import its ConfigSet again (the same digest), refuse a wrong digest naming both
    /// values and a bad address naming the field; rotate to the next ConfigSet.
    func testOCR2DONFromTheCommandLine() throws {
        let don = dir.sub("don-o")
        var r = try Executable.run(["don", "init", "--scheme", "ocr2-evm", "--id", "don-o", "--nodes", "4", "--out", don, "--chain-id", "5"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let key = try String(contentsOfFile: don + "/signer-0.key", encoding: .utf8)
        XCTAssertTrue(key.hasPrefix("0x") && key.trimmingCharacters(in: .whitespacesAndNewlines).count == 66, key)
        XCTAssertEqual(try Executable.run(["don", "init", "--scheme", "ocr2-evm", "--id", "x", "--nodes", "3", "--out", dir.sub("small")]).status, 64,
                       "3 nodes cannot have f >= 1 and 3f < n")
        r = try Executable.run(["don", "show", don, "--json"])
        let shown = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stdout)
        XCTAssertEqual(shown["scheme"] as? String, "ocr2-evm")
        XCTAssertEqual((shown["signers"] as? [String])?.count, 4)
        XCTAssertTrue((shown["signers"] as? [String])?.allSatisfy { $0.hasPrefix("0x") && $0.count == 42 } == true)
        XCTAssertEqual(shown["f"] as? Int, 1)
        XCTAssertEqual(shown["quorum"] as? String, "f+1")
        XCTAssertEqual(shown["configCount"] as? Int, 1)
        let digest = try XCTUnwrap(shown["digest"] as? String)
        XCTAssertTrue(digest.hasPrefix("0001"), "the EVM prefix")

        let good = try Executable.run(["report", "sign", "--don", don, "--topic", "t", "--seq", "300", "--payload", "x"]).stdout
        r = try Executable.run(["report", "verify", "--don", don, "--topic", "t", "--json", "-"], stdin: good)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains(#""seq":300"#), r.stdout)
        let one = try Executable.run(["report", "sign", "--don", don, "--topic", "t", "--seq", "300", "--signers", "0"]).stdout
        r = try Executable.run(["report", "verify", "--don", don, "--topic", "t", "--json", "-"], stdin: one)
        XCTAssertEqual(r.status, 3)
        XCTAssertTrue(r.stdout.contains(#""reason":"insufficient_quorum""#), r.stdout)

        // The ConfigSet fields as a chain event would give them, from don.json.
        let config = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: don + "/don.json"))) as? [String: Any])
        var fields = try XCTUnwrap(config["ocr2"] as? [String: Any])
        fields["signers"] = config["signers"]
        func importing(_ f: [String: Any], _ name: String) throws -> Executable.Result {
            let path = dir.sub("\(name).json")
            try JSONSerialization.data(withJSONObject: f).write(to: URL(fileURLWithPath: path))
            return try Executable.run(["don", "import-ocr2", path, "--id", "don-o", "--out", dir.sub(name), "--json"])
        }
        r = try importing(fields, "same")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains(digest), r.stdout)
        var wrong = fields
        wrong["configDigest"] = "0x0001" + String(repeating: "00", count: 30)
        r = try importing(wrong, "wrong")
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("0x0001" + String(repeating: "00", count: 30)) && r.stderr.contains(digest), r.stderr)
        var badAddress = fields
        badAddress["transmitters"] = ["0xnothex"]
        r = try importing(badAddress, "bad")
        XCTAssertTrue(r.stderr.contains("'transmitters'"), r.stderr)

        r = try Executable.run(["don", "rotate", "--don", don, "--out", dir.sub("don-o2")])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("from seq \(1 << 40)"), r.stdout)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.sub("don-o2") + "/update.bin"))
    }

    /// Data Streams and Keystone DONs: init, show, sign, verify (expired too), import of the
    /// contract's config event with its digest checked, and no rotation through the registry.
    func testDataStreamsAndKeystoneDONsFromTheCommandLine() throws {
        for (scheme, family) in [("datastreams", "datastreams"), ("keystone", "keystone")] {
            let don = dir.sub("don-\(scheme)")
            var r = try Executable.run(["don", "init", "--scheme", scheme, "--id", "d-\(scheme)", "--nodes", "4", "--out", don])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertNotEqual(try Executable.run(["don", "init", "--scheme", scheme, "--id", "x", "--nodes", "4", "--quorum", "unique", "--out", dir.sub("u-\(scheme)")]).status, 0,
                              "\(scheme) reports carry exactly f+1")
            r = try Executable.run(["don", "show", don, "--json"])
            let shown = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stdout)
            XCTAssertEqual(shown["scheme"] as? String, scheme)
            XCTAssertEqual(shown["maxAge"] as? Int, 300)
            XCTAssertEqual(shown["required"] as? Int, 2)

            let good = try Executable.run(["report", "sign", "--don", don, "--scheme", scheme, "--topic", "t", "--seq", "300", "--payload", "x"]).stdout
            r = try Executable.run(["report", "sign", "--don", don, "--scheme", "ocr2-evm", "--topic", "t", "--seq", "300"])
            XCTAssertNotEqual(r.status, 0)
            XCTAssertTrue(r.stderr.contains("is a \(scheme) DON"), r.stderr)
            r = try Executable.run(["report", "verify", "--don", don, "--topic", "t", "--json", "-"], stdin: good)
            XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
            XCTAssertTrue(r.stdout.contains(#""seq":300"#) && r.stdout.contains(#""report":{"#), r.stdout)
            let old = "\((UInt64(Date().timeIntervalSince1970) - 3_600) * 1_000_000_000)"
            let stale = try Executable.run(["report", "sign", "--don", don, "--topic", "t", "--seq", "301", "--timestamp", old]).stdout
            r = try Executable.run(["report", "verify", "--don", don, "--topic", "t", "--json", "-"], stdin: stale)
            XCTAssertEqual(r.status, 2, "expired is IGNORE: " + r.stdout + r.stderr)
            XCTAssertTrue(r.stdout.contains(#""reason":"expired""#), r.stdout)
            let three = try Executable.run(["report", "sign", "--don", don, "--topic", "t", "--seq", "302", "--signers", "0,1,2"]).stdout
            r = try Executable.run(["report", "verify", "--don", don, "--topic", "t", "-"], stdin: three)
            XCTAssertEqual(r.status, 3, "more than f+1 signatures: " + r.stdout)

            // The contract's config event, as don.json keeps it, imported under another id.
            let config = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: don + "/don.json"))) as? [String: Any])
            var fields = try XCTUnwrap(config[scheme] as? [String: Any])
            fields["signers"] = config["signers"]
            let path = dir.sub("\(scheme)-event.json")
            try JSONSerialization.data(withJSONObject: fields).write(to: URL(fileURLWithPath: path))
            r = try Executable.run(["don", "import", "--family", family, path, "--id", "imported-\(scheme)", "--out", dir.sub("imp-\(scheme)"), "--json"])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stdout.contains(shown["digest"] as! String), r.stdout)
            r = try Executable.run(["don", "rotate", "--don", don, "--out", dir.sub("rot-\(scheme)")])
            XCTAssertNotEqual(r.status, 0)
            XCTAssertTrue(r.stderr.contains("genesis"), r.stderr)
        }
        // A Data Streams event whose digest differs from what its fields give.
        let config = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.sub("don-datastreams") + "/don.json"))) as? [String: Any])
        var fields = try XCTUnwrap(config["datastreams"] as? [String: Any])
        fields["signers"] = config["signers"]
        fields["configDigest"] = "0x0006" + String(repeating: "77", count: 30)
        let path = dir.sub("ds-wrong.json")
        try JSONSerialization.data(withJSONObject: fields).write(to: URL(fileURLWithPath: path))
        let r = try Executable.run(["don", "import", "--family", "datastreams", path, "--id", "w", "--out", dir.sub("w")])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("0x0006" + String(repeating: "77", count: 30)) && r.stderr.contains("the fields give"), r.stderr)
    }

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
