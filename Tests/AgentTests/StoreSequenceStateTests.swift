@testable import Agent
import Core
import DON
import Foundation
import Store
import TestSupport
import Wire
import XCTest

/// The verifier's sequence rules against the LMDB log (the store answers as `SequenceState`,
/// a conformance that lives in the agent: DON does not know the store).
final class StoreSequenceStateTests: XCTestCase {
    let don = DONFixture()
    var verifier: ReportVerifier { ReportVerifier(registry: DONRegistry([don.config])) }

    func verify(_ data: [UInt8], state: SequenceState? = nil) throws -> ReportDecision {
        try verifier.verify(data: data, topic: don.topic, state: state)
    }

    func testSequenceRulesAgainstTheStore() async throws {
        let dir = TemporaryDirectory("verifier")
        defer { dir.remove() }
        let store = try ReportStore.open(dataDir: dir.path)
        defer { store.close() }
        func deliver(_ data: [UInt8]) async throws -> ReportDecision {
            let d = try verify(data, state: store)
            let record = LogRecord(
                topic: don.topic, messageID: MessageIDFunction.contentHash(of: data), receivedAt: WallClock.nanoseconds(), from: "p",
                don: d.don, seq: d.seq, verdict: d.verdict, reason: d.reason.rawValue, data: data)
            _ = try await store.append([AppendItem(record: record, reportDigest: d.indexBySeq ? d.reportDigest : nil)])
            return d
        }
        let head = try await deliver(don.signed(seq: 100))
        XCTAssertEqual(head.reason, .firstReport)
        let next = try await deliver(don.signed(seq: 101))
        XCTAssertEqual(next.reason, .newHead)
        let resigned = try await deliver(don.signed(seq: 101, signers: [1, 2, 3]))
        XCTAssertEqual(resigned.reason, .duplicate)
        let late = try await deliver(don.signed(seq: 97))
        XCTAssertEqual(late.reason, .lateFill)
        let other = try await deliver(don.signed(seq: 97, payload: "price=43"))
        XCTAssertEqual(other.reason, .equivocation)
        let tooLate = try await deliver(don.signed(seq: 60))
        XCTAssertEqual(tooLate.reason, .tooLate)
        let stale = try await deliver(don.signed(seq: 10))
        XCTAssertEqual(stale.reason, .staleSeq)
        let jump = try await deliver(don.signed(seq: 500))
        XCTAssertEqual(jump.reason, .seqGapTooLarge)
        XCTAssertEqual(try store.head(topic: don.topic, don: "don-a")?.seq, 101)
        XCTAssertEqual(try store.reports(topic: don.topic, don: "don-a", seq: 97).count, 2)
        // A higher head learned from peers moves the window.
        XCTAssertEqual(try verifier.verify(data: don.signed(seq: 550), topic: don.topic, state: store, bestKnownHead: 520).reason, .newHead)
    }
}
