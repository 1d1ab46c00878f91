import Core
import Gossip
import DON
import Foundation
import Wire
import Store
import TestSupport
import XCTest

final class ReportVerifierTests: XCTestCase {
    let don = DONFixture()
    var verifier: ReportVerifier { ReportVerifier(registry: DONRegistry([don.config])) }

    func verify(_ data: [UInt8], topic: String? = nil, state: SequenceState? = nil) throws -> ReportDecision {
        try verifier.verify(data: data, topic: topic ?? don.topic, state: state)
    }

    func testQuorumSignedReportIsAccepted() throws {
        let d = try verify(don.signed(seq: 1))
        XCTAssertEqual(d.verdict, .accept)
        XCTAssertEqual(d.reason, .firstReport)
        XCTAssertEqual(d.don, "don-a")
        XCTAssertEqual(d.seq, 1)
        XCTAssertEqual(d.reportDigest?.count, 32)
        XCTAssertEqual(try verify(don.signed(seq: 1, signers: [3, 1, 2])).reason, .firstReport)
    }

    func testBadInputsAreRejectedWithTheirReason() throws {
        var tampered = try P2pmq_Don_SignedReport(serializedBytes: don.signed(seq: 1))
        tampered.report.payload = Data("price=1".utf8)
        var flipped = try P2pmq_Don_SignedReport(serializedBytes: don.signed(seq: 1))
        flipped.signatures[1].signature[5] ^= 1
        var doubled = try P2pmq_Don_SignedReport(serializedBytes: don.signed(seq: 1, signers: [0, 1]))
        doubled.signatures.append(doubled.signatures[0])
        var outOfRange = try P2pmq_Don_SignedReport(serializedBytes: don.signed(seq: 1))
        outOfRange.signatures[0].signer = 9
        var wrongDigest = try P2pmq_Don_SignedReport(serializedBytes: don.signed(seq: 1))
        wrongDigest.report.configDigest = Data(repeating: 0, count: 32)
        let stranger = DONFixture(id: "don-z")
        let cases: [(String, [UInt8], ReportReason)] = [
            ("tampered payload", try tampered.serializedBytes(), .badSignature),
            ("flipped signature bit", try flipped.serializedBytes(), .badSignature),
            ("too few signers", don.signed(seq: 1, signers: [0, 1]), .insufficientQuorum),
            ("a signer counted twice", try doubled.serializedBytes(), .duplicateSigner),
            ("signer index out of range", try outOfRange.serializedBytes(), .signerOutOfRange),
            ("unknown DON", stranger.signed(seq: 1), .unknownDON),
            ("wrong config digest", try wrongDigest.serializedBytes(), .wrongConfigDigest),
            ("signed for another topic", don.signed(seq: 1, topic: "don-a/other"), .badSignature),
            ("not a protobuf", Array("hello, not a report".utf8), .malformed),
            ("empty SignedReport", [], .malformed),
            ("over the size limit", [UInt8](repeating: 0, count: (1 << 20) + 1), .malformed),
        ]
        for (name, data, reason) in cases {
            let d = try verify(data)
            XCTAssertEqual(d.reason, reason, name)
            XCTAssertEqual(d.verdict, .reject, name)
            XCTAssertFalse(d.detail.isEmpty, name)
        }
    }

    func testSignerSubsetsOfOneReportShareADigest() throws {
        let a = try verify(don.signed(seq: 3, signers: [0, 1, 2]))
        let b = try verify(don.signed(seq: 3, signers: [1, 2, 3]))
        XCTAssertEqual(a.reportDigest, b.reportDigest)
    }

    func testInMemoryStateMatchesTheStoreRules() throws {
        var state = MemorySequenceState()
        for (seq, expected) in [(UInt64(5), ReportReason.firstReport), (6, .newHead), (6, .duplicate), (2, .lateFill), (300, .seqGapTooLarge)] {
            let d = try verify(don.signed(seq: seq), state: state)
            XCTAssertEqual(d.reason, expected, "seq \(seq)")
            state.record(d, topic: don.topic)
        }
    }
}
