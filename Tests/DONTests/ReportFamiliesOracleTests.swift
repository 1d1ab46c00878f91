import DON
import Foundation
import TestSupport
import Wire
import XCTest

/// Data Streams and Keystone against an implementation nobody here wrote (python/
/// families_oracle.py: eth-keys, eth-abi, eth-hash, from the formulas of the Verifier, the LLO
/// codec and the KeystoneForwarder): their configs and reports judged here, verdict by verdict;
/// ours recovered there.
final class ReportFamiliesOracleTests: XCTestCase {
    func oracle(_ args: [String]) throws -> [String: Any] { try EthOracle.run("families_oracle.py", args) }

    static func keys(_ made: [String: Any]) throws -> [SignerKey] {
        try (made["keys"] as? [String] ?? []).enumerated().map { i, hex in
            try SignerKey(index: i, secp256k1: Hex.decode(String(hex.dropFirst(2)))!)
        }
    }

    static func secret(_ key: SignerKey) -> String { key.seedBase64 }  // the key file's text: 0x and the secret's hex

    static func bytes(_ hex: Any?) -> [UInt8] { Hex.decode(String((hex as! String).dropFirst(2)))! }

    static var now: UInt64 { WallClock.nanoseconds() / 1_000_000_000 }

    // MARK: Data Streams

    func testDataStreamsReportsAreJudgedAsTheVerifierWould() throws {
        let made = try oracle(["ds-config", "4", "1"])
        let fields = try XCTUnwrap(made["fields"] as? [String: Any])
        let keys = try Self.keys(made)
        // The digest there (the v0.3 Verifier's formula) is the one computed here, or the import refuses.
        let ds = try DataStreamsConfig(configSet: fields)
        XCTAssertEqual("0x" + Hex.encode(ds.digest), fields["configDigest"] as? String)
        let config = try DONConfig(id: "ds", evm: .dataStreams(ds))
        let registry = DONRegistry([config])
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let s = { (i: Int) in Self.secret(keys[i]) }
        func data(_ spec: [String: Any]) throws -> [UInt8] {
            var spec = spec
            spec["digest"] = spec["digest"] ?? fields["configDigest"]
            spec["seqNr"] = spec["seqNr"] ?? 70_000
            spec["donId"] = spec["donId"] ?? 7
            spec["observationsTimestamp"] = spec["observationsTimestamp"] ?? Int(Self.now)
            spec["expiresAt"] = spec["expiresAt"] ?? Int(Self.now + 3600)
            return Self.bytes(try EthOracle.run("families_oracle.py", "ds-report", spec: spec, in: dir)["data"])
        }
        func judge(_ spec: [String: Any]) throws -> ReportDecision {
            try ReportVerifier(registry: registry).verify(data: try data(spec), topic: "t", state: nil, now: Self.now)
        }
        let accepted = try judge(["keys": [s(0), s(1)]])
        XCTAssertEqual(accepted.reason, .firstReport, accepted.detail)
        XCTAssertEqual(accepted.seq, 70_000, "seq = epoch << 8 | round = the seqNr")
        XCTAssertEqual(try judge(["keys": [s(2), s(3)], "highS": true]).reason, .firstReport, "ecrecover takes high s")
        XCTAssertEqual(try judge(["keys": [s(0)]]).reason, .insufficientQuorum, "a missing signer")
        XCTAssertEqual(try judge(["keys": [s(0), s(1), s(2)]]).reason, .malformed, "the Verifier takes exactly f+1")
        XCTAssertEqual(try judge(["keys": [s(0), s(0)]]).reason, .duplicateSigner)
        XCTAssertEqual(try judge(["keys": [s(0), "0x" + String(repeating: "42", count: 32)]]).reason, .badSignature, "an outsider")
        XCTAssertEqual(try judge(["keys": [s(0), s(1)], "setV": ["1": 2]]).reason, .badSignature, "v out of range")
        XCTAssertEqual(try judge(["keys": [s(0), s(1)], "digest": "0x0006" + String(repeating: "ab", count: 30)]).reason, .unknownDON)
        XCTAssertEqual(try judge(["keys": [s(0), s(1)], "observationsTimestamp": Int(Self.now) - 301]).reason, .expired, "over the 5-minute max age")
        XCTAssertEqual(try judge(["keys": [s(0), s(1)], "expiresAt": Int(Self.now) - 2]).reason, .expired, "past its own expiresAt")
        let expired = try judge(["keys": [s(0), s(1)], "expiresAt": Int(Self.now) - 2])
        XCTAssertEqual(expired.verdict, .ignore, "expired is IGNORE: no penalty")
        var flipped = try data(["keys": [s(0), s(1)]])
        flipped[flipped.count - 32 * 8] ^= 0x01  // a byte of the report body
        XCTAssertEqual(try ReportVerifier(registry: registry).verify(data: flipped, topic: "t", state: nil, now: Self.now).reason, .badSignature)
        // History (range sync) is old by nature: quorum only.
        XCTAssertEqual(ReportVerifier(registry: registry).verifyHistorical(data: try data(["keys": [s(0), s(1)], "expiresAt": 1]), topic: "t").verdict, .accept)

        // Ours, recovered there: the same context, fields and signers.
        let ours = try config.transmit(seq: 70_123, report: DataStreamsReport(
            feedID: ds.source!.feedID, validFromTimestamp: 99, observationsTimestamp: 100, expiresAt: 200, benchmarkPrice: -12, bid: -13, ask: 14).encoded,
            keys: [keys[3], keys[1]])
        let recovered = try oracle(["ds-recover", "0x" + Hex.encode(ours.encode())])
        XCTAssertEqual(recovered["signers"] as? [String], [keys[3], keys[1]].map { $0.address!.description })
        XCTAssertEqual(recovered["seqNr"] as? Int, 70_123)
        XCTAssertEqual(recovered["hash"] as? String, "0x" + Hex.encode(ours.signedHash))
        XCTAssertEqual(recovered["feedId"] as? String, "0x" + Hex.encode(ds.source!.feedID))
        XCTAssertEqual(recovered["benchmarkPrice"] as? String, "-12")
        XCTAssertEqual(recovered["observationsTimestamp"] as? Int, 100)
        // And what the history shows of a report made there.
        let shown = Dictionary(uniqueKeysWithValues: ReportBodyFields.describe(try data(["keys": [s(0), s(1)]])))
        XCTAssertEqual(shown["benchmarkPrice"], "3000000000000000000000")
        XCTAssertEqual(shown["bid"], "-5000000000000000000")
        XCTAssertEqual(shown["feedId"], "0x0003" + String(repeating: "00", count: 30))
    }

    func testADataStreamsDigestThatDiffersIsRefusedWithBoth() throws {
        var fields = try XCTUnwrap(try oracle(["ds-config", "4", "1"])["fields"] as? [String: Any])
        fields["configCount"] = 3
        XCTAssertThrowsError(try DataStreamsConfig(configSet: fields)) { error in
            XCTAssertTrue("\(error)".contains(fields["configDigest"] as! String), "\(error)")
            XCTAssertTrue("\(error)".contains("the fields give 0x0006"), "\(error)")
        }
    }

    // MARK: Keystone

    func testKeystoneReportsAreJudgedAsTheForwarderWould() throws {
        let made = try oracle(["ks-config", "4", "1"])
        let fields = try XCTUnwrap(made["fields"] as? [String: Any])
        let keys = try Self.keys(made)
        let ks = try KeystoneConfig(configSet: fields)
        let config = try DONConfig(id: "ks", evm: .keystone(ks))
        let registry = DONRegistry([config])
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let s = { (i: Int) in Self.secret(keys[i]) }
        func data(_ spec: [String: Any]) throws -> [UInt8] {
            var spec = spec
            spec["donId"] = spec["donId"] ?? Int(ks.donID)
            spec["configVersion"] = spec["configVersion"] ?? Int(ks.configVersion)
            spec["timestamp"] = spec["timestamp"] ?? Int(Self.now)
            spec["seqNr"] = spec["seqNr"] ?? 4_242
            spec["digest"] = spec["digest"] ?? "0x000e" + String(repeating: "5a", count: 30)
            return Self.bytes(try EthOracle.run("families_oracle.py", "ks-report", spec: spec, in: dir)["data"])
        }
        func judge(_ spec: [String: Any]) throws -> ReportDecision {
            try ReportVerifier(registry: registry).verify(data: try data(spec), topic: "t", state: nil, now: Self.now)
        }
        let accepted = try judge(["keys": [s(0), s(1)]])
        XCTAssertEqual(accepted.reason, .firstReport, accepted.detail)
        XCTAssertEqual(accepted.seq, 4_242, "seq = the OCR3 capability's seqNr")
        XCTAssertEqual(try judge(["keys": [s(1), s(3)], "selector": false]).reason, .firstReport)
        XCTAssertEqual(try judge(["keys": [s(1), s(3)], "highS": true]).reason, .firstReport)
        XCTAssertEqual(try judge(["keys": [s(0)]]).reason, .insufficientQuorum, "a missing signer")
        XCTAssertEqual(try judge(["keys": [s(0), s(1), s(2)]]).reason, .malformed, "the forwarder takes exactly f+1")
        XCTAssertEqual(try judge(["keys": [s(2), s(2)]]).reason, .duplicateSigner)
        XCTAssertEqual(try judge(["keys": [s(0), "0x" + String(repeating: "42", count: 32)]]).reason, .badSignature, "an outsider")
        XCTAssertEqual(try judge(["keys": [s(0), s(1)], "setV": ["0": 27]]).reason, .badSignature, "v is 0 or 1; the forwarder adds 27")
        XCTAssertEqual(try judge(["keys": [s(0), s(1)], "configVersion": Int(ks.configVersion) + 1]).reason, .unknownDON, "a config id the forwarder lacks")
        XCTAssertEqual(try judge(["keys": [s(0), s(1)], "timestamp": Int(Self.now) - 600]).reason, .expired)
        var flipped = try data(["keys": [s(0), s(1)], "body": "00112233"])
        flipped[4 + 4 * 32 + 32 + 50] ^= 0x01  // selector, head, rawReport's length, then its workflow CID
        XCTAssertEqual(try ReportVerifier(registry: registry).verify(data: flipped, topic: "t", state: nil, now: Self.now).reason, .badSignature)

        var ours = ReportMakerProbe.keystone(ks, seq: 77, payload: "ours")
        try ours.sign(with: [keys[2], keys[0]])
        let recovered = try oracle(["ks-recover", "0x" + Hex.encode(ours.encode())])
        XCTAssertEqual(recovered["signers"] as? [String], [keys[2], keys[0]].map { $0.address!.description })
        XCTAssertEqual(recovered["hash"] as? String, "0x" + Hex.encode(ours.signedHash))
        XCTAssertEqual(recovered["seqNr"] as? Int, 77)
        XCTAssertEqual(recovered["donId"] as? Int, Int(ks.donID))
        XCTAssertEqual(recovered["configVersion"] as? Int, Int(ks.configVersion))
        // Ours judged here too, and its metadata shown.
        XCTAssertEqual(try ReportVerifier(registry: registry).verify(data: ours.encode(), topic: "t", state: nil, now: Self.now).reason, .firstReport)
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: ReportBodyFields.describe(ours.encode()))["donId"], "\(ks.donID)")
    }
}

/// A Keystone report as the devnet makes it (ReportMaker's metadata), unsigned.
enum ReportMakerProbe {
    static func keystone(_ c: KeystoneConfig, seq: UInt64, payload: String) -> KeystoneReport {
        let metadata = KeystoneReport.Metadata(workflowExecutionID: Keccak256.hash(Array(payload.utf8)), timestamp: UInt32(ReportFamiliesOracleTests.now),
                                               donID: c.donID, configVersion: c.configVersion, workflowCID: [UInt8](repeating: 1, count: 32),
                                               workflowName: [UInt8](repeating: 0x61, count: 10), workflowOwner: [UInt8](repeating: 2, count: 20),
                                               reportID: [0, 9])
        return KeystoneReport(receiver: try! EVMAddress(bytes: [UInt8](repeating: 3, count: 20)), rawReport: metadata.encoded + Array(payload.utf8),
                              reportContext: KeystoneReport.context(configDigest: [UInt8](repeating: 4, count: 32), seqNr: seq))
    }
}
