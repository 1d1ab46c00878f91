import DON
import Foundation
import TestSupport
import Wire
import XCTest

/// The Data Streams and Keystone pieces on their own: strict decoding, config files and imports,
/// freshness, the registry finding each family's DON.
final class ReportFamiliesTests: XCTestCase {
    static var now: UInt64 { WallClock.nanoseconds() / 1_000_000_000 }

    func fresh(_ scheme: ReportScheme, nodes: Int = 4) throws -> (DONConfig, [SignerKey]) {
        let keys = (0..<nodes).map { SignerKey.generate(index: $0, scheme: scheme) }
        return (try DONConfig.fresh(id: "don-\(scheme.rawValue)", scheme: scheme, keys: keys), keys)
    }

    func judge(_ data: [UInt8], _ configs: [DONConfig], now: UInt64? = ReportFamiliesTests.now) throws -> ReportDecision {
        try ReportVerifier(registry: DONRegistry(configs)).verify(data: data, topic: "t", state: nil, now: now)
    }

    func testEveryFamilyRoundTripsThroughItsFileAndTheGenesis() throws {
        var configs: [DONConfig] = []
        for scheme in ReportScheme.allCases {
            let (config, keys) = try fresh(scheme)
            XCTAssertEqual(try DONConfig(json: config.json()), config, "\(scheme)")
            configs.append(config)
            let data = try ReportMaker.make(config, seq: 1_000, payload: "p", keys: Array(keys.prefix(config.requiredSignatures)), topic: "t")
            let d = try judge(data, [config])
            XCTAssertEqual(d.reason, .firstReport, "\(scheme): \(d.detail)")
            XCTAssertEqual(d.seq, 1_000, "\(scheme): configCount 1, or a seqNr")
            XCTAssertEqual(DecodedReport.decode(data, topic: "t", registry: DONRegistry([config]))?.seq, 1_000, "\(scheme)")
            XCTAssertNotNil(ReportMaker.timestamp(of: data), "\(scheme): the devnet's latency watch finds the send time")
        }
        let genesis = Genesis(dons: configs)
        XCTAssertEqual(try Genesis(json: genesis.json()).dons, configs)
    }

    func testAllFamiliesShareOneRegistry() throws {
        let families = try ReportScheme.allCases.map { try fresh($0) }
        let registry = DONRegistry(families.map(\.0))
        for (config, keys) in families {
            let data = try ReportMaker.make(config, seq: 5, payload: "x", keys: Array(keys.prefix(config.requiredSignatures)), topic: "t")
            let d = try ReportVerifier(registry: registry).verify(data: data, topic: "t", state: nil, now: Self.now)
            XCTAssertEqual(d.don, config.id, "\(config.scheme): the registry finds the DON the report names")
            XCTAssertEqual(d.verdict, .accept, d.detail)
            let forged = try ReportMaker.forged(config, seq: 6, payload: "x", topic: "t")
            XCTAssertEqual(try ReportVerifier(registry: registry).verify(data: forged, topic: "t", state: nil, now: Self.now).verdict, .reject)
            let elsewhere = try ReportMaker.wrongDigest(config, seq: 6, payload: "x", keys: Array(keys.prefix(config.requiredSignatures)), topic: "t")
            let w = try ReportVerifier(registry: registry).verify(data: elsewhere, topic: "t", state: nil, now: Self.now)
            XCTAssertEqual(w.reason, config.scheme.isEVM ? .unknownDON : .wrongConfigDigest, "\(config.scheme): \(w.detail)")
        }
    }

    func testKeystoneCalldataIsDecodedStrictly() throws {
        let (config, keys) = try fresh(.keystone)
        let good = try ReportMaker.make(config, seq: 9, payload: "body", keys: [keys[0], keys[1]], topic: "t")
        XCTAssertEqual(try KeystoneReport.decode(good).encode(), good, "what decodes encodes back the same")
        func malformed(_ data: [UInt8], _ what: String) {
            XCTAssertEqual(try judge(data, [config]).reason, .malformed, what)
        }
        malformed(good + [0], "a stray byte")
        malformed(good + [UInt8](repeating: 0, count: 32), "a trailing word")
        var badSelector = good
        badSelector[0] ^= 1
        XCTAssertEqual(try judge(badSelector, [config]).verdict, .reject, "another selector")
        var k = try KeystoneReport.decode(good)
        k.rawReport = Array(k.rawReport.prefix(100))
        malformed(k.encode(), "rawReport shorter than the 109-byte metadata")
        k = try KeystoneReport.decode(good)
        k.reportContext = Array(k.reportContext.prefix(64))
        malformed(k.encode(), "a report context that is not 96 bytes")
        k = try KeystoneReport.decode(good)
        var args = k.encode(withSelector: false)
        args[32 * 3 + 31] = 0x40  // the signatures offset pointing into the head
        malformed(args, "offsets not where abi.encode puts them")
        // 64-byte signatures: the forwarder's InvalidSignature.
        let short = ABIValue.encode([.word(ABIValue.address(k.receiver)), .bytes(k.rawReport), .bytes(k.reportContext),
                                     .bytesArray(k.signatures.map { $0.r + $0.s })])
        malformed(KeystoneReport.selector + short, "64-byte signatures")
    }

    func testDataStreamsLayoutTakesNoSelectorAndDecodesStrictly() throws {
        let (config, keys) = try fresh(.dataStreams)
        let good = try ReportMaker.make(config, seq: 300, payload: "", keys: [keys[0], keys[1]], topic: "t")
        XCTAssertEqual(good.count % 32, 0, "a signed report is whole words")
        XCTAssertEqual(try judge(EVMLayout.ocr2.selector! + good, [config]).reason, .malformed, "no selector: it is verify's argument")
        XCTAssertEqual(try judge(Array(good.dropLast(32)), [config]).reason, .malformed)
        let t = try EVMTransmit.decode(good, layout: .dataStreams)
        XCTAssertEqual(t.epoch, 1, "300 = epoch 1 * 256 + round 44")
        XCTAssertEqual(t.round, 44)
        XCTAssertEqual(t.reportContext[2], ABIValue.uint(1 << 32 | 1), "LLO's extra hash: donId << 32 | 1")
    }

    func testADataStreamsDigestGivenMustCarryItsPrefix() throws {
        let signers = (0..<4).map { SignerKey.generate(index: $0, scheme: .dataStreams).address!.description }
        let llo: [String: Any] = ["configDigest": "0x0009" + String(repeating: "ab", count: 30), "signers": signers, "f": 1]
        XCTAssertEqual(try DataStreamsConfig(configSet: llo).digest.prefix(2), [0x00, 0x09])
        var ocr2Prefix = llo
        ocr2Prefix["configDigest"] = "0x0001" + String(repeating: "ab", count: 30)
        XCTAssertThrowsError(try DataStreamsConfig(configSet: ocr2Prefix)) { XCTAssertTrue("\($0)".contains("0x0006"), "\($0)") }
        var noF = llo
        noF["f"] = nil
        XCTAssertThrowsError(try DataStreamsConfig(configSet: noF)) { XCTAssertTrue("\($0)".contains("'f' is missing"), "\($0)") }
        // The Verifier's config rules.
        let c = try DataStreamsConfig(configSet: llo)
        XCTAssertThrowsError(try DONConfig(id: "d", evm: .dataStreams(DataStreamsConfig(digest: c.digest, signers: c.signers, f: 2))))
        XCTAssertThrowsError(try DONConfig(id: "d", evm: .dataStreams(c), quorum: .unique), "exactly f+1: no other quorum")
    }

    func testKeystoneConfigsFollowTheForwardersRules() throws {
        let signers = (0..<4).map { SignerKey.generate(index: $0, scheme: .keystone).address! }
        XCTAssertNoThrow(try DONConfig(id: "k", evm: .keystone(KeystoneConfig(donID: 9, configVersion: 2, f: 1, signers: signers))))
        XCTAssertThrowsError(try DONConfig(id: "k", evm: .keystone(KeystoneConfig(donID: 9, configVersion: 2, f: 0, signers: signers))))
        XCTAssertThrowsError(try DONConfig(id: "k", evm: .keystone(KeystoneConfig(donID: 9, configVersion: 2, f: 1, signers: [signers[0], signers[0], signers[1], signers[2]]))))
        let zero = try EVMAddress(bytes: [UInt8](repeating: 0, count: 20))
        XCTAssertThrowsError(try DONConfig(id: "k", evm: .keystone(KeystoneConfig(donID: 9, configVersion: 2, f: 1, signers: [zero] + signers.dropFirst()))))
        XCTAssertEqual(KeystoneConfig(donID: 9, configVersion: 2, f: 1, signers: signers).configID, 9 << 32 | 2)
        XCTAssertThrowsError(try KeystoneConfig(configSet: ["donId": 1, "configVersion": 1 << 33, "f": 1, "signers": []]))
    }

    func testFreshnessIsJudgedLiveOnly() throws {
        let (config, keys) = try fresh(.keystone)
        let old = try ReportMaker.make(config, seq: 1, payload: "", timestamp: (Self.now - 400) * 1_000_000_000, keys: [keys[0], keys[1]], topic: "t")
        XCTAssertEqual(try judge(old, [config]).reason, .expired)
        XCTAssertEqual(try judge(old, [config], now: nil).reason, .firstReport, "no clock given: not judged")
        XCTAssertEqual(ReportVerifier(registry: DONRegistry([config])).verifyHistorical(data: old, topic: "t").verdict, .accept)
        var patient = config
        patient.maxAge = 0
        XCTAssertEqual(try judge(old, [patient]).reason, .firstReport, "maxAge 0: no limit")
        // ed25519 reports state their time too; their DONs opt in with maxAgeSeconds.
        let (ed, edKeys) = try fresh(.ed25519)
        let oldEd = try ReportMaker.make(ed, seq: 1, payload: "", timestamp: (Self.now - 400) * 1_000_000_000, keys: Array(edKeys.prefix(3)), topic: "t")
        XCTAssertEqual(try judge(oldEd, [ed]).reason, .firstReport, "no default max age for ed25519")
        var strict = ed
        strict.maxAge = 60
        XCTAssertEqual(try judge(oldEd, [try DONConfig(json: strict.json())]).reason, .expired, "maxAgeSeconds from the DON file")
    }

    /// chainlink-data-streams' own vectors (Tests/Fixtures/data-streams/README.md names them).
    func testTheDataStreamsCodecsOwnVectors() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/data-streams/premium-legacy-v3-report.hex").path
        let hex = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let body = try XCTUnwrap(Hex.decode(hex))
        let report = try XCTUnwrap(DataStreamsReport(body: body))
        let fields = Dictionary(uniqueKeysWithValues: report.fields)
        XCTAssertEqual(fields["feedId"], "0x010203" + String(repeating: "00", count: 29))
        XCTAssertEqual(report.validFromTimestamp, 29)
        XCTAssertEqual(report.observationsTimestamp, 34)
        XCTAssertEqual(fields["nativeFee"], "300000000000000000")
        XCTAssertEqual(fields["linkFee"], "291666666666666667")
        XCTAssertEqual(report.expiresAt, 94)
        XCTAssertEqual(fields["benchmarkPrice"], "380")
        XCTAssertEqual(fields["bid"], "370")
        XCTAssertEqual(fields["ask"], "390")
        XCTAssertEqual(report.encoded, body, "re-encodes to their bytes")
        // Test_LLOExtraHash: donId 8.
        let c = try DataStreamsConfig(digest: [0, 9] + [UInt8](repeating: 1, count: 30), signers: [], f: 1, donID: 8)
        XCTAssertEqual(Hex.encode(c.extraHash), String(repeating: "0", count: 48) + "0000000800000001")
        // A signed report around their body is judged, and expires by its own expiresAt (94).
        let keys = (0..<4).map { SignerKey.generate(index: $0, scheme: .dataStreams) }
        let config = try DONConfig(id: "legacy", evm: .dataStreams(DataStreamsConfig(digest: c.digest, signers: keys.map { $0.address! }, f: 1, donID: 8)))
        let signed = try config.transmit(seq: 32, report: body, keys: [keys[0], keys[1]]).encode()
        XCTAssertEqual(try judge(signed, [config], now: 90).reason, .firstReport)
        XCTAssertEqual(try judge(signed, [config], now: 95).reason, .expired)
    }

    func testDecimalsOfWords() {
        XCTAssertEqual(ABIValue.decimal(ABIValue.uint(0), signed: false), "0")
        XCTAssertEqual(ABIValue.decimal(ABIValue.uint(1_000_000_000), signed: false), "1000000000")
        XCTAssertEqual(ABIValue.decimal(ABIValue.int(-1), signed: true), "-1")
        XCTAssertEqual(ABIValue.decimal(ABIValue.int(Int64.min), signed: true), "-9223372036854775808")
        XCTAssertEqual(ABIValue.decimal([UInt8](repeating: 0xff, count: 32), signed: false),
                       "115792089237316195423570985008687907853269984665640564039457584007913129639935")
    }
}
