import DON
import Foundation
import TestSupport
import Wire
import XCTest

/// The scheme seam below the quorum check, and the cache of verified reports.
final class SignatureSchemeTests: XCTestCase {
    let don = DONFixture()

    /// A report signed with the simulator's stand-in scheme passes the same quorum rules.
    func testTheStandInSchemeRunsTheRealQuorumRules() throws {
        let scheme = StandInScheme()
        let secrets = (0..<4).map { Digests.sha256([UInt8($0)]) }
        let config = try DONConfig(id: "sim", signers: secrets, quorum: .default, thresholds: don.config.thresholds)
        let verifier = ReportVerifier(registry: DONRegistry([config]), scheme: scheme)
        func signed(_ signers: [Int], forge: Bool = false) throws -> [UInt8] {
            var s = P2pmq_Don_SignedReport()
            s.report = .make(config: config, seq: 1, payload: "p", timestamp: 1)
            let digest = ReportDigest.of(s.report, topic: "t")
            s.signatures = signers.map { i in
                .with {
                    $0.signer = UInt32(i)
                    $0.signature = Data(forge ? Digests.sha256([9]) : scheme.sign(digest: digest, secretKey: secrets[i]))
                }
            }
            return try s.serializedBytes()
        }
        XCTAssertEqual(try verifier.verify(data: signed([0, 1, 2]), topic: "t", state: nil).verdict, .accept)
        XCTAssertEqual(try verifier.verify(data: signed([0, 1]), topic: "t", state: nil).reason, .insufficientQuorum)
        XCTAssertEqual(try verifier.verify(data: signed([0, 1, 2], forge: true), topic: "t", state: nil).reason, .badSignature)
        XCTAssertEqual(try verifier.verify(data: signed([0, 1, 2]), topic: "t", state: nil, bestKnownHead: nil).reason, .firstReport)
        // Ed25519 signatures do not pass as stand-ins, nor the reverse.
        XCTAssertEqual(try ReportVerifier(registry: DONRegistry([don.config]), scheme: scheme)
            .verify(data: don.signed(seq: 1), topic: don.topic, state: nil).reason, .badSignature)
    }

    /// A report verified once is not verified again; the cache is keyed by the whole signed bytes,
    /// so the same report with a forged signature set is still caught.
    func testVerifiedReportsAreCheckedOnce() throws {
        let cache = VerifiedReports(capacity: 8)
        let verifier = ReportVerifier(registry: DONRegistry([don.config]), verified: cache)
        let good = don.signed(seq: 5)
        XCTAssertEqual(try verifier.verify(data: good, topic: don.topic, state: nil).verdict, .accept)
        XCTAssertEqual(try verifier.verify(data: good, topic: don.topic, state: nil).verdict, .accept)
        XCTAssertEqual(cache.counts.hits, 1)
        var forged = try P2pmq_Don_SignedReport(serializedBytes: good)
        forged.signatures[0].signature = Data(repeating: 7, count: 64)
        XCTAssertEqual(try verifier.verify(data: try forged.serializedBytes(), topic: don.topic, state: nil).reason, .badSignature)
        XCTAssertEqual(verifier.verifyHistorical(data: good, topic: don.topic).verdict, .accept)
        XCTAssertEqual(cache.counts.hits, 2, "range sync of a report gossip brought costs no signature check")
        // Bounded: many more reports than the capacity keep it small and still correct.
        for seq in 10..<40 { XCTAssertEqual(verifier.verifyHistorical(data: don.signed(seq: UInt64(seq)), topic: don.topic).verdict, .accept) }
    }
}
