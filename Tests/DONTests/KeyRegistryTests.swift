import DON
import Foundation
import Store
import TestSupport
import XCTest

/// Key rotation through config updates: the chain rule and which config judges which seq.
final class KeyRegistryTests: XCTestCase {
    let old = DONFixture()

    func testRotationAppliesFromItsSeqOn() throws {
        let new = old.rotated()
        var registry = DONRegistry([old.config])
        guard case .extends(let entry) = registry.apply(old.update(to: new, effectiveSeq: 100)) else { return XCTFail("update not applied") }
        XCTAssertEqual(entry.version, 2)
        XCTAssertEqual(registry.appliedUpdates, 1)
        let verifier = ReportVerifier(registry: registry)
        func verdict(_ f: DONFixture, _ seq: UInt64) -> ReportDecision {
            try! verifier.verify(data: f.signed(seq: seq), topic: old.topic, state: nil)
        }
        // New keys from seq 100 on, old keys before it; each rejected on the other side.
        XCTAssertEqual(verdict(new, 100).verdict, .accept)
        XCTAssertEqual(verdict(new, 150).verdict, .accept)
        XCTAssertEqual(verdict(old, 99).verdict, .accept)
        let early = verdict(new, 99)
        XCTAssertEqual(early.reason, .wrongConfigDigest)
        XCTAssertTrue(early.detail.contains("signed under don-a v2"), early.detail)
        XCTAssertEqual(verdict(old, 100).reason, .wrongConfigDigest)
        // Historical records (range sync) follow the same rule.
        XCTAssertEqual(verifier.verifyHistorical(data: new.signed(seq: 120), topic: old.topic).verdict, .accept)
        XCTAssertEqual(verifier.verifyHistorical(data: new.signed(seq: 20), topic: old.topic).verdict, .reject)
    }

    func testUpdatesThatDoNotExtendTheChainAreRefused() throws {
        let new = old.rotated()
        let good = old.update(to: new, effectiveSeq: 100)
        var tooFew = good
        tooFew.signatures.removeLast()
        var forged = good
        forged.signatures[0].signature[3] ^= 1
        // Signed by the new keys only: a DON cannot vouch for itself.
        let selfSigned = try ConfigUpdateCheck.make(replacing: .init(config: old.config, version: 1, effectiveSeq: 0), with: new.config, effectiveSeq: 100,
                                                    keys: Array(new.keys.prefix(3)))
        var wrongPrevious = good
        wrongPrevious.previousDigest = Data(repeating: 7, count: 32)
        var badQuorum = good
        badQuorum.quorum = "most"
        let cases: [(String, P2pmq_Don_ConfigUpdate, String)] = [
            ("too few old signers", tooFew, "config_update_insufficient_quorum"),
            ("a forged signature", forged, "config_update_bad_signature"),
            ("signed by the new keys", selfSigned, "config_update_bad_signature"),
            ("wrong previous digest", wrongPrevious, "config_update_wrong_previous"),
            ("unknown quorum rule", badQuorum, "config_update_malformed"),
        ]
        for (name, update, reason) in cases {
            var registry = DONRegistry([old.config])
            guard case .invalid(let why) = registry.apply(update) else { XCTFail("\(name): not refused"); continue }
            XCTAssertTrue(why.hasPrefix(reason), "\(name): \(why)")
            XCTAssertEqual(registry.appliedUpdates, 0, name)
            // The old keys still rule every seq.
            XCTAssertEqual(try ReportVerifier(registry: registry).verify(data: new.signed(seq: 150), topic: old.topic, state: nil).reason, .wrongConfigDigest, name)
        }
    }

    func testChainOrderDuplicatesAndConflicts() throws {
        let v2 = old.rotated(), v3 = v2.rotated(nodes: 7)
        let u2 = old.update(to: v2, effectiveSeq: 100)
        let u3 = v2.update(to: v3, version: 2, effectiveSeq: 200)
        var registry = DONRegistry([old.config])
        guard case .ahead = registry.apply(u3) else { return XCTFail("v3 before v2 must wait") }
        XCTAssertEqual(registry.apply(u2).reason.hasPrefix("config_update: don-a v2"), true)
        XCTAssertEqual(registry.apply(u2), .known)
        guard case .extends = registry.apply(u3) else { return XCTFail("v3 after v2 must extend") }
        XCTAssertEqual(registry.config(don: "don-a", seq: 199)?.version, 2)
        XCTAssertEqual(registry.config(don: "don-a", seq: 200)?.config.signers.count, 7)
        // A different v2, validly signed by v1: the DON equivocated; the applied one stays.
        let other = old.update(to: old.rotated(), effectiveSeq: 100)
        guard case .invalid(let why) = registry.apply(other) else { return XCTFail("conflicting v2 accepted") }
        XCTAssertTrue(why.hasPrefix("config_update_conflict"), why)
        // Effective seqs must increase.
        var fresh = DONRegistry([old.config])
        fresh.apply(u2)
        guard case .invalid(let seqWhy) = fresh.apply(v2.update(to: v3, version: 2, effectiveSeq: 50)) else { return XCTFail("earlier effective seq accepted") }
        XCTAssertTrue(seqWhy.hasPrefix("config_update_bad_seq"), seqWhy)
    }

    func testGenesisFileRoundTripsAndRefusesDuplicates() throws {
        let b = DONFixture(id: "don-b")
        let genesis = Genesis(registryTopic: "net/registry", dons: [old.config, b.config])
        let back = try Genesis(json: genesis.json())
        XCTAssertEqual(back.registryTopic, "net/registry")
        XCTAssertEqual(back.dons, [old.config, b.config])
        // A plain don.json is a genesis of one DON.
        let single = try Genesis(json: old.config.json())
        XCTAssertEqual(single.dons, [old.config])
        XCTAssertEqual(single.registryTopic, Genesis.defaultRegistryTopic)
        let twice = Genesis(dons: [old.config, old.config]).json()
        XCTAssertThrowsError(try Genesis(json: twice)) { XCTAssertTrue("\($0)".contains("twice"), "\($0)") }
        XCTAssertThrowsError(try Genesis(json: Data("{\"dons\": 3}".utf8))) { XCTAssertTrue("\($0)".contains("genesis file"), "\($0)") }
    }
}
