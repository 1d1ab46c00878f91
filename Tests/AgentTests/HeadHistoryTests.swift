@testable import Agent
import Core
import DON
import Foundation
import Store
import TestSupport
import XCTest

/// Live reports are judged against the head as it was when they arrived: a validation backlog
/// must not turn an on-time report into a "stale replay" that penalizes an honest peer.
final class HeadHistoryTests: XCTestCase {
    func testAReportHeldUpInValidationIsJudgedAsOfItsArrival() async throws {
        let dir = TemporaryDirectory("arrival")
        defer { dir.remove() }
        let don = DONFixture(thresholds: SequenceThresholds(skip: 5, validity: 50, maxSeqGap: 1000))
        let store = try ReportStore.open(dataDir: dir.path)
        defer { store.close() }
        let history = HeadHistory()
        // Head 100 when the report (seq 90) arrives; by the time it is validated the head is 700.
        func accept(_ seq: UInt64, previous: UInt64?) async throws {
            let data = don.signed(seq: seq)
            let fields = try XCTUnwrap(ReportFields.extract(data, topic: don.topic))
            _ = try await store.append([AppendItem(
                record: LogRecord(topic: don.topic, messageID: "m\(seq)", receivedAt: seq, from: "p", don: fields.don, seq: seq,
                                  verdict: .accept, reason: "", data: data),
                reportDigest: fields.digest)])
            history.advanced(topic: don.topic, don: fields.don, from: previous, to: seq)
        }
        try await accept(100, previous: nil)
        let arrived = SystemClock().now
        try await Task.sleep(for: .milliseconds(5))
        try await accept(700, previous: 100)

        let verifier = ReportVerifier(registry: DONRegistry([don.config]))
        let late = don.signed(seq: 90)
        let now = try verifier.verify(data: late, topic: don.topic, state: store)
        XCTAssertEqual(now.reason, .staleSeq, "judged against today's head it looks like a stale replay")
        let asOfArrival = try verifier.verify(data: late, topic: don.topic, state: ArrivalSequenceState(store: store, history: history, arrivedAt: arrived))
        XCTAssertEqual(asOfArrival.reason, .tooLate, "as of its arrival it was merely late: IGNORE, no penalty")
        // Duplicates are still recognised from what is stored now.
        let dup = try verifier.verify(data: don.signed(seq: 700), topic: don.topic, state: ArrivalSequenceState(store: store, history: history, arrivedAt: arrived))
        XCTAssertEqual(dup.reason, .duplicate)
    }
}
