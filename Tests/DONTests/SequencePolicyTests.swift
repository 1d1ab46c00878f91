import DON
import Store
import XCTest

final class SequencePolicyTests: XCTestCase {
    let t = SequenceThresholds(skip: 5, validity: 50, maxSeqGap: 100)
    let digest: [UInt8] = [1]

    func decide(_ seq: UInt64, head: UInt64?, stored: [[UInt8]] = []) -> ReportReason {
        SequencePolicy.decide(seq: seq, digest: digest, head: head, stored: stored, thresholds: t).0
    }

    func testEveryRuleAtItsBoundaries() {
        XCTAssertEqual(decide(7, head: nil), .firstReport)
        XCTAssertEqual(decide(1000, head: 1000, stored: [digest]), .duplicate)
        XCTAssertEqual(decide(990, head: 1000, stored: [[9]]), .equivocation)
        XCTAssertEqual(decide(1000, head: 1000, stored: [[9]]), .equivocation)
        XCTAssertEqual(decide(1000, head: 1000), .lateFill)
        XCTAssertEqual(decide(995, head: 1000), .lateFill)       // head - skip
        XCTAssertEqual(decide(994, head: 1000), .tooLate)        // just past skip
        XCTAssertEqual(decide(950, head: 1000), .tooLate)        // head - validity
        XCTAssertEqual(decide(949, head: 1000), .staleSeq)       // past validity
        XCTAssertEqual(decide(1001, head: 1000), .newHead)
        XCTAssertEqual(decide(1100, head: 1000), .newHead)       // head + maxSeqGap
        XCTAssertEqual(decide(1101, head: 1000), .seqGapTooLarge)
        XCTAssertEqual(decide(2, head: 3), .lateFill)            // no underflow near zero
        XCTAssertEqual(decide(0, head: 60), .staleSeq)
    }

    func testVerdictsOfReasons() {
        XCTAssertEqual(ReportReason.lateFill.verdict, .accept)
        XCTAssertEqual(ReportReason.tooLate.verdict, .ignore)
        XCTAssertEqual(ReportReason.equivocation.verdict, .ignore)
        XCTAssertEqual(ReportReason.staleSeq.verdict, .reject)
        XCTAssertEqual(ReportReason.seqGapTooLarge.verdict, .reject)
    }
}
