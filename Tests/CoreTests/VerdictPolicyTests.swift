@testable import Core
import XCTest

/// What a verdict means once the log has answered: one table.
final class VerdictPolicyTests: XCTestCase {
    typealias Effect = VerdictPolicy.Effect

    func testAnAcceptStoredIsForwardedAndDeliveredWithItsOffset() {
        XCTAssertEqual(VerdictPolicy.decide(.accept, log: .appended(offset: 7)),
                       Effect(verdict: .accept, deliver: true, offset: 7, penaltyRecorded: false))
    }

    /// Range sync brought it while it waited for validation: forwarding it now would spread a
    /// report long past its peers' heads (docs/RELIABILITY.md, finding 8).
    func testAnAcceptTheLogAlreadyHeldIsNeitherForwardedNorDeliveredAgain() {
        XCTAssertEqual(VerdictPolicy.decide(.accept, log: .alreadyHeld),
                       Effect(verdict: .ignore, deliver: false, offset: nil, penaltyRecorded: false))
    }

    func testNothingUnrecordedIsForwardedOrPenalized() {
        XCTAssertEqual(VerdictPolicy.decide(.accept, log: .failed).verdict, .ignore)
        XCTAssertFalse(VerdictPolicy.decide(.accept, log: .failed).deliver)
        XCTAssertEqual(VerdictPolicy.decide(.reject(reason: "bad_signature"), log: .failed).verdict, .ignore)
    }

    func testARejectCostsTheSenderAndItsPenaltyIsRecordedOnce() {
        let stored = VerdictPolicy.decide(.reject(reason: "bad_signature"), log: .appended(offset: 3))
        XCTAssertEqual(stored.verdict, .reject(reason: "bad_signature"))
        XCTAssertTrue(stored.penaltyRecorded, "the log has the penalty with the message")
        XCTAssertFalse(stored.deliver)
        XCTAssertTrue(VerdictPolicy.decide(.reject(reason: "x"), log: .overQuota).penaltyRecorded, "past the quota the penalty is still written")
        XCTAssertFalse(VerdictPolicy.decide(.reject(reason: "x"), log: .notKept).penaltyRecorded, "without a log the router's penalty is the record")
    }

    func testWithoutALogVerdictsStandAsGiven() {
        XCTAssertEqual(VerdictPolicy.decide(.accept, log: .notKept), Effect(verdict: .accept, deliver: true, offset: nil, penaltyRecorded: false))
        XCTAssertEqual(VerdictPolicy.decide(.ignore, log: .notKept).verdict, .ignore)
    }

    func testReasonsAreParsedOnce() {
        let r = VerdictReason(parsing: "too_late: seq 5 is 300 behind head 305")
        XCTAssertEqual(r.code, "too_late")
        XCTAssertEqual(r.detail, "seq 5 is 300 behind head 305")
        XCTAssertEqual(r.text, "too_late: seq 5 is 300 behind head 305")
        XCTAssertEqual(VerdictReason(parsing: "new_head"), VerdictReason(code: "new_head"))
    }
}
