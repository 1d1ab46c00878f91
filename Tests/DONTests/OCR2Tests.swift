import DON
import Foundation
import TestSupport
import Wire
import XCTest

/// The `ocr2-evm` scheme's pieces on their own: keccak256 and addresses against the standard
/// vectors, transmit calldata decoded strictly, the contracts' signature rules.
final class OCR2Tests: XCTestCase {
    func testKeccakAndAddressVectors() throws {
        XCTAssertEqual(Hex.encode(Keccak256.hash([UInt8]())), "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")
        XCTAssertEqual(Hex.encode(Keccak256.hash(Array("abc".utf8))), "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45")
        // Over a block boundary (rate 136): 200 bytes of 'a'.
        XCTAssertEqual(Keccak256.hash([UInt8](repeating: 0x61, count: 136)).count, 32)
        XCTAssertNotEqual(Keccak256.hash([UInt8](repeating: 0x61, count: 135)), Keccak256.hash([UInt8](repeating: 0x61, count: 136)))
        let one = [UInt8](repeating: 0, count: 31) + [1]
        XCTAssertEqual(EVMAddress(secretKey: one)?.description, "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf")
        XCTAssertEqual(try EVMAddress(hex: "0x7e5f4552091a69125d5dfcb7b8c2659029395bdf").description, "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf")
        XCTAssertThrowsError(try EVMAddress(hex: "0x7E5F4552091A69125d5DfCb7b8C2659029395BDf"), "a broken EIP-55 checksum is a typo")
        XCTAssertThrowsError(try EVMAddress(hex: "0x7e5f45"))
    }

    /// A fixture DON of 4 OCR2 signers (f = 1, quorum f+1 = 2).
    struct DON {
        let keys: [SignerKey]
        let config: DONConfig
        var ocr2: OCR2Config { config.ocr2! }

        init(configCount: UInt64 = 1, quorum: QuorumRule = .fPlusOne) throws {
            keys = (0..<4).map { SignerKey.generate(index: $0, scheme: .ocr2EVM) }
            let ocr2 = OCR2Config.fresh(for: keys, chainID: 1, contract: try EVMAddress(hex: "0x" + String(repeating: "11", count: 20)), configCount: configCount)
            config = try DONConfig(id: "don-o", ocr2: ocr2, quorum: quorum)
        }

        func calldata(seq: UInt64, signers: [Int] = [0, 1], report: String = "r") throws -> [UInt8] {
            try ocr2.transmit(seq: seq, report: Array(report.utf8), keys: signers.map { keys[$0] }).encode()
        }
    }

    func judge(_ data: [UInt8], _ registry: DONRegistry) throws -> ReportDecision {
        try ReportVerifier(registry: registry).verify(data: data, topic: "t", state: nil)
    }

    func testTheContractsRules() throws {
        let don = try DON()
        let registry = DONRegistry([don.config])
        let good = try don.calldata(seq: 300)
        XCTAssertEqual(try judge(good, registry).reason, .firstReport)
        XCTAssertEqual(try judge(good, registry).seq, 300, "config 1: seq = epoch << 8 | round")
        XCTAssertEqual(try judge(Array(good.dropFirst(4)), registry).reason, .firstReport, "without the selector")
        XCTAssertEqual(try judge(try don.calldata(seq: 300, signers: [0]), registry).reason, .insufficientQuorum)
        XCTAssertEqual(try judge(try don.calldata(seq: 300, signers: [0, 0]), registry).reason, .duplicateSigner)
        XCTAssertEqual(try judge(try don.calldata(seq: 300, signers: [0, 1, 2, 3]), registry).reason, .firstReport, "more than needed is fine")
        let outsider = SignerKey.generate(index: 0, scheme: .ocr2EVM)
        let forged = try don.ocr2.transmit(seq: 300, report: [1], keys: [don.keys[0], outsider]).encode()
        let f = try judge(forged, registry)
        XCTAssertEqual(f.reason, .badSignature)
        XCTAssertTrue(f.detail.contains("not a signer"), f.detail)
        var tampered = good
        tampered[4 + 7 * 32 + 32] ^= 1  // the report's first byte: the signatures recover other addresses
        XCTAssertEqual(try judge(tampered, registry).reason, .badSignature)
        var badV = try EVMTransmit.decode(good)
        badV.signatures[1].v = 27
        XCTAssertEqual(try judge(badV.encode(), registry).reason, .badSignature)
        let unknown = try DON()
        XCTAssertEqual(try judge(try unknown.calldata(seq: 1), registry).reason, .unknownDON)
        let unique = DONRegistry([try DON(quorum: .unique).config])
        XCTAssertEqual(unique[("don-o")]?.requiredSignatures, 3, "(n+f)/2+1 = 3")
    }

    /// A new ConfigSet restarts epochs, but its reports sort above the old config's; a report of
    /// the old config is not current any more (history still takes it).
    func testSeqGrowsAcrossConfigs() throws {
        let first = try DON(configCount: 1), second = try DON(configCount: 2)
        XCTAssertGreaterThan(second.ocr2.seq(epochAndRound: 1), first.ocr2.seq(epochAndRound: 0xff_ffff_ffff))
        var registry = DONRegistry([first.config])
        XCTAssertEqual(registry.entry(digest: first.ocr2.digest)?.don, "don-o")
        registry.add(second.config)
        XCTAssertNil(registry.entry(digest: first.ocr2.digest), "add replaces the chain")
    }

    /// A new ConfigSet travels the registry as a config update signed (secp256k1) by a quorum of
    /// the config it replaces, and takes effect at its first seq; reports of the old config are
    /// history from then on.
    func testAConfigUpdateOfAnOCR2DON() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let (v1, _) = try DONDirectory.create(at: dir.sub("v1"), id: "don-o", nodes: 4, quorum: .fPlusOne, thresholds: .init(), scheme: .ocr2EVM)
        let old = DONDirectory(path: dir.sub("v1"))
        var registry = DONRegistry([v1])
        let (v2, update) = try old.rotate(to: dir.sub("v2"), nodes: 4, quorum: .fPlusOne, effectiveSeq: 0)
        XCTAssertEqual(v2.ocr2?.configCount, 2)
        XCTAssertEqual(v2.ocr2?.contractAddress, v1.ocr2?.contractAddress, "the same contract's next config")
        XCTAssertEqual(update.effectiveSeq, 1 << 40, "from the new config's first seq")

        var weak = update
        weak.signatures = Array(weak.signatures.prefix(1))
        guard case .invalid(let why) = ConfigUpdateCheck.judge(weak, against: registry) else { return XCTFail("one signature of f+1") }
        XCTAssertTrue(why.contains("insufficient_quorum"), why)
        var early = update
        early.effectiveSeq = 5
        guard case .invalid(let seqWhy) = ConfigUpdateCheck.judge(early, against: registry) else { return XCTFail("not at its first seq") }
        XCTAssertTrue(seqWhy.contains("bad_seq"), seqWhy)
        let newKeys = try DONDirectory(path: dir.sub("v2")).keys()
        var byNewKeys = update
        byNewKeys.signatures = try SignerKey.signatures(over: ConfigUpdateDigest.of(update), by: Array(newKeys.prefix(2)))
        guard case .invalid = ConfigUpdateCheck.judge(byNewKeys, against: registry) else { return XCTFail("the new keys cannot sign themselves in") }

        guard case .extends = registry.apply(update) else { return XCTFail("the update is the next link") }
        XCTAssertEqual(registry.apply(update), .known)
        let verifier = ReportVerifier(registry: registry)
        let current = try v2.ocr2!.transmit(seq: (1 << 40) | 7, report: [1], keys: Array(newKeys.prefix(2))).encode()
        XCTAssertEqual(try verifier.verify(data: current, topic: "t", state: nil).reason, .firstReport)
        let stale = try v1.ocr2!.transmit(seq: 9, report: [2], keys: try old.keys([0, 1])).encode()
        XCTAssertEqual(try verifier.verify(data: stale, topic: "t", state: nil).reason, .wrongConfigDigest, "live: not the current config")
        XCTAssertEqual(verifier.verifyHistorical(data: stale, topic: "t").reason, .synced, "history: any config of the DON")
    }

    /// Strict decoding: truncated, padded, misplaced offsets, dirty padding, a wrong selector,
    /// more than 32 signatures, rs and ss of different lengths.
    func testCalldataIsDecodedStrictly() throws {
        let don = try DON()
        let good = try don.calldata(seq: 9, report: "abc")
        XCTAssertNoThrow(try EVMTransmit.decode(good))
        let args = Array(good.dropFirst(4))
        func malformed(_ data: [UInt8], _ why: String, file: StaticString = #filePath, line: UInt = #line) {
            XCTAssertThrowsError(try EVMTransmit.decode(data), why, file: file, line: line)
            XCTAssertEqual(try? judge(data, DONRegistry([don.config])).reason, .malformed, why, file: file, line: line)
        }
        malformed(Array(good.dropLast(32)), "truncated")
        malformed(good + [UInt8](repeating: 0, count: 32), "padded with a word")
        malformed(good + [0], "a trailing byte")
        malformed([0xde, 0xad, 0xbe, 0xef] + args, "another selector")
        var offset = args
        offset[127] = 0xc0  // report offset 192, not 224
        malformed(offset, "misplaced report offset")
        var padding = args
        padding[7 * 32 + 32 + 3] = 1  // after the 3 report bytes
        malformed(padding, "dirty padding")
        var context = args
        context[32] = 1
        malformed(context, "reportContext[1] with junk before the epoch")
        XCTAssertThrowsError(try EVMTransmit.decode(good, layout: .ocr3), "transmit calldata is not commit calldata")
        var many = try EVMTransmit.decode(good)
        many.signatures = Array(repeating: many.signatures[0], count: 33)
        malformed(many.encode(), "33 signatures")
        var uneven = args
        let rsAt = 7 * 32 + 32 + 32
        uneven[rsAt + 32 + 2 * 32 + 31] = 1  // ss length 1 where rs has 2
        malformed(uneven, "rs and ss differ")
        var vs = args
        vs[192 + 5] = 1  // rawVs past the 2 signatures
        malformed(vs, "rawVs bytes past the signatures")
        malformed([], "empty")
        malformed(Array(repeating: 0, count: 4 + 32), "too short")
    }
}

/// The Swift side against an OCR2 implementation nobody here wrote (Python eth-keys, eth-abi,
/// eth-hash): their configs, digests and calldata judged here; our calldata recovered there.
final class OCR2OracleTests: XCTestCase {
    func oracle(_ args: [String]) throws -> [String: Any] { try EthOracle.run("ocr2_oracle.py", args) }

    /// ConfigSet fields and keys made by eth-keys; the digest eth-abi and eth-hash computed.
    func config() throws -> (fields: [String: Any], keys: [SignerKey], config: DONConfig) {
        let made = try oracle(["config", "4", "1"])
        let fields = try XCTUnwrap(made["fields"] as? [String: Any])
        let keys = try (made["keys"] as? [String] ?? []).enumerated().map { i, hex in
            try SignerKey(index: i, secp256k1: Hex.decode(String(hex.dropFirst(2)))!)
        }
        let ocr2 = try OCR2Config(configSet: fields)  // refuses a digest that differs from ours
        return (fields, keys, try DONConfig(id: "don-p", ocr2: ocr2))
    }

    func testTheDigestIsOCR2BasesAndAWrongOneIsRefused() throws {
        let (fields, keys, config) = try config()
        XCTAssertEqual("0x" + Hex.encode(config.digest), fields["configDigest"] as? String)
        XCTAssertEqual(config.signers, keys.map(\.publicKey), "eth-keys' addresses are ours")
        var wrong = fields
        wrong["configCount"] = 4
        XCTAssertThrowsError(try OCR2Config(configSet: wrong)) { error in
            let message = (error as? DONError)?.message ?? ""
            XCTAssertTrue(message.contains(fields["configDigest"] as! String) && message.contains("the fields give"), message)
        }
        var badAddress = fields
        badAddress["contractAddress"] = "0x1234"
        XCTAssertThrowsError(try OCR2Config(configSet: badAddress)) { XCTAssertTrue("\($0)".contains("contractAddress"), "\($0)") }
    }

    /// Their calldata, judged here: each verdict of the contracts' rules.
    func testTheirCalldataIsJudgedAsTheContractsWould() throws {
        let (fields, keys, config) = try config()
        let registry = DONRegistry([config])
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let digest = fields["configDigest"] as! String
        func calldata(_ spec: [String: Any]) throws -> [UInt8] {
            var s = spec
            s["digest"] = s["digest"] ?? digest
            s["epoch"] = s["epoch"] ?? 5
            s["round"] = s["round"] ?? 2
            s["report"] = s["report"] ?? "cafe"
            let path = dir.sub("spec-\(UUID()).json")
            try JSONSerialization.data(withJSONObject: s).write(to: URL(fileURLWithPath: path))
            let out = try oracle(["transmit", path])
            return Hex.decode(String((out["calldata"] as! String).dropFirst(2)))!
        }
        let secret = { (i: Int) in "0x" + Hex.encode(self.secret(of: keys[i])) }
        func judge(_ spec: [String: Any]) throws -> ReportDecision {
            try ReportVerifier(registry: registry).verify(data: try calldata(spec), topic: "t", state: nil)
        }
        let accepted = try judge(["keys": [secret(0), secret(1)]])
        XCTAssertEqual(accepted.reason, .firstReport)
        XCTAssertEqual(accepted.seq, (3 - 1) << 40 | 5 << 8 | 2, "configCount 3, epoch 5, round 2")
        XCTAssertEqual(try judge(["keys": [secret(2), secret(3)], "selector": false]).reason, .firstReport)
        XCTAssertEqual(try judge(["keys": [secret(0), secret(1)], "highS": true]).reason, .firstReport, "ecrecover takes high s")
        XCTAssertEqual(try judge(["keys": [secret(0)]]).reason, .insufficientQuorum)
        XCTAssertEqual(try judge(["keys": [secret(0), secret(0)]]).reason, .duplicateSigner)
        XCTAssertEqual(try judge(["keys": [secret(0), "0x" + String(repeating: "42", count: 32)]]).reason, .badSignature)
        XCTAssertEqual(try judge(["keys": [secret(0), secret(1)], "setV": ["1": 2]]).reason, .badSignature, "v out of range")
        XCTAssertEqual(try judge(["keys": [secret(0), secret(1)], "digest": "0x0001" + String(repeating: "ab", count: 30)]).reason, .unknownDON)
        var tampered = try calldata(["keys": [secret(0), secret(1)]])
        tampered[tampered.count - 32 * 5] ^= 0x01
        XCTAssertNotEqual(try ReportVerifier(registry: registry).verify(data: tampered, topic: "t", state: nil).verdict, .accept)
        let good = try calldata(["keys": [secret(0), secret(1)]])
        XCTAssertEqual(try ReportVerifier(registry: registry).verify(data: Array(good.dropLast(1)), topic: "t", state: nil).reason, .malformed)
        XCTAssertEqual(try ReportVerifier(registry: registry).verify(data: good + [UInt8](repeating: 0, count: 32), topic: "t", state: nil).reason, .malformed)
    }

    /// OCR3 commit calldata made there (libocr's ReportToSigData3 formula), judged here; ours
    /// recovered there. The seq is the seqNr.
    func testOCR3CommitCalldataBothWays() throws {
        let (fields, keys, ocr2Config) = try config()
        let config = try DONConfig(id: "don-3", ocr2: ocr2Config.ocr2!, quorum: .fPlusOne, layout: .ocr3)
        let registry = DONRegistry([config])
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let secret = { (i: Int) in "0x" + Hex.encode(self.secret(of: keys[i])) }
        func judge(_ spec: [String: Any]) throws -> ReportDecision {
            var s = spec
            s["layout"] = "ocr3"
            s["digest"] = s["digest"] ?? fields["configDigest"]
            s["seqNr"] = s["seqNr"] ?? 987_654
            s["report"] = "beef"
            let path = dir.sub("spec-\(UUID()).json")
            try JSONSerialization.data(withJSONObject: s).write(to: URL(fileURLWithPath: path))
            let made = try oracle(["transmit", path])
            let data = Hex.decode(String((made["calldata"] as! String).dropFirst(2)))!
            return try ReportVerifier(registry: registry).verify(data: data, topic: "t", state: nil)
        }
        let accepted = try judge(["keys": [secret(1), secret(2)]])
        XCTAssertEqual(accepted.reason, .firstReport)
        XCTAssertEqual(accepted.seq, 987_654, "the seq is the seqNr")
        XCTAssertEqual(try judge(["keys": [secret(1), secret(2)], "selector": false]).reason, .firstReport)
        XCTAssertEqual(try judge(["keys": [secret(1), secret(2)], "highS": true]).reason, .firstReport)
        XCTAssertEqual(try judge(["keys": [secret(1)]]).reason, .insufficientQuorum)
        XCTAssertEqual(try judge(["keys": [secret(1), secret(1)]]).reason, .duplicateSigner)
        XCTAssertEqual(try judge(["keys": [secret(1), "0x" + String(repeating: "42", count: 32)]]).reason, .badSignature)
        XCTAssertEqual(try judge(["keys": [secret(1), secret(2)], "setV": ["0": 3]]).reason, .badSignature)
        XCTAssertEqual(try judge(["keys": [secret(1), secret(2)], "digest": "0x0001" + String(repeating: "cd", count: 30)]).reason, .unknownDON)
        // OCR2-shaped calldata for an OCR3 DON's digest is malformed for that DON.
        let transmitShaped = try ocr2Config.ocr2!.transmit(seq: (2 << 40) | 5, report: [1], keys: [keys[0], keys[1]]).encode()
        XCTAssertEqual(try ReportVerifier(registry: registry).verify(data: transmitShaped, topic: "t", state: nil).reason, .malformed)

        let ours = try config.transmit(seq: 31_337, report: Array("ocr3".utf8), keys: [keys[2], keys[0]])
        let recovered = try oracle(["recover", "0x" + Hex.encode(ours.encode())])
        XCTAssertEqual(recovered["signers"] as? [String], [keys[2], keys[0]].map { $0.address!.description })
        XCTAssertEqual(recovered["seqNr"] as? Int, 31_337)
        XCTAssertEqual(recovered["hash"] as? String, "0x" + Hex.encode(ours.signedHash))
    }

    /// Our calldata, recovered there: the same report, context and signer addresses.
    func testOurSignaturesRecoverThere() throws {
        let (_, keys, config) = try config()
        let transmit = try config.ocr2!.transmit(seq: (2 << 40) | 0x1234, report: Array("a report".utf8), keys: [keys[3], keys[1]])
        let recovered = try oracle(["recover", "0x" + Hex.encode(transmit.encode())])
        XCTAssertEqual(recovered["signers"] as? [String], [keys[3], keys[1]].map { $0.address!.description })
        XCTAssertEqual(recovered["hash"] as? String, "0x" + Hex.encode(transmit.signedHash))
        XCTAssertEqual(recovered["epoch"] as? Int, 0x12)
        XCTAssertEqual(recovered["round"] as? Int, 0x34)
    }

    private func secret(of key: SignerKey) -> [UInt8] {
        // The key file's text is 0x and the secret's hex.
        Hex.decode(String(key.seedBase64.dropFirst(2)))!
    }
}
