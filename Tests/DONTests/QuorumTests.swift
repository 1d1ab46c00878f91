import DON
import XCTest

final class QuorumTests: XCTestCase {
    func testRequiredSignaturesPerRule() {
        // n: (n-f, f+1, 2f+1) with f = floor((n-1)/3)
        let expected: [Int: (Int, Int, Int)] = [1: (1, 1, 1), 3: (3, 1, 1), 4: (3, 2, 3), 7: (5, 3, 5), 10: (7, 4, 7), 31: (21, 11, 21)]
        for (n, (nf, f1, f2)) in expected {
            XCTAssertEqual(QuorumRule.default.required(signers: n), nf, "n-f for \(n)")
            XCTAssertEqual(QuorumRule.fPlusOne.required(signers: n), f1, "f+1 for \(n)")
            XCTAssertEqual(QuorumRule.twoFPlusOne.required(signers: n), f2, "2f+1 for \(n)")
        }
        XCTAssertEqual(QuorumRule(text: "default"), .default)
        XCTAssertNil(QuorumRule(text: "most"))
    }

    func testConfigValidation() throws {
        let key = [UInt8](repeating: 1, count: 32)
        XCTAssertThrowsError(try DONConfig(id: "", signers: [key]))
        XCTAssertThrowsError(try DONConfig(id: "d", signers: []))
        XCTAssertThrowsError(try DONConfig(id: "d", signers: [[1, 2, 3]])) { XCTAssertTrue("\($0)".contains("32")) }
        XCTAssertThrowsError(try DONConfig(id: "d", signers: [key, key])) { XCTAssertTrue("\($0)".contains("twice")) }
        XCTAssertThrowsError(try DONConfig(id: "d", signers: [key], thresholds: SequenceThresholds(skip: 10, validity: 10, maxSeqGap: 5))) {
            XCTAssertTrue("\($0)".contains("validityThreshold"))
        }
    }

    func testConfigJSONRoundTripAndDigest() throws {
        let config = try DONConfig(
            id: "don-x", signers: (1...4).map { [UInt8](repeating: $0, count: 32) }, quorum: .twoFPlusOne,
            thresholds: SequenceThresholds(skip: 3, validity: 30, maxSeqGap: 300))
        let back = try DONConfig(json: config.json())
        XCTAssertEqual(back, config)
        XCTAssertEqual(back.digest, config.digest)
        var other = config
        other.quorum = .default
        XCTAssertNotEqual(other.digest, config.digest)
        other = config
        other.thresholds.skip = 4  // local policy: not part of what the DON agreed on
        XCTAssertEqual(other.digest, config.digest)
        XCTAssertThrowsError(try DONConfig(json: Data(#"{"id":"x"}"#.utf8))) { XCTAssertTrue("\($0)".contains("missing")) }
        XCTAssertThrowsError(try DONConfig(json: Data(#"{"id":"x","signers":["AA=="],"quorum":"most","skipThreshold":1,"validityThreshold":2,"maxSeqGap":3}"#.utf8))) {
            XCTAssertTrue("\($0)".contains("quorum rule"))
        }
    }
}
