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
    func testHeadAtAnInstant() {
        let h = HeadHistory()
        let t0 = ManualClock().now
        XCTAssertNil(h.head(topic: "t", don: "d", at: t0), "untracked: use the current head")
        h.advanced(topic: "t", don: "d", from: nil, to: 1, at: t0 + .seconds(1))
        h.advanced(topic: "t", don: "d", from: 1, to: 5, at: t0 + .seconds(2))
        h.advancedIfTracked(topic: "t", don: "d", to: 9, at: t0 + .seconds(3))
        h.advancedIfTracked(topic: "t", don: "other", to: 9, at: t0 + .seconds(3))
        XCTAssertEqual(h.head(topic: "t", don: "d", at: t0), .some(nil), "before the first report: no head yet")
        XCTAssertEqual(h.head(topic: "t", don: "d", at: t0 + .milliseconds(1500)), .some(1))
        XCTAssertEqual(h.head(topic: "t", don: "d", at: t0 + .milliseconds(2500)), .some(5))
        XCTAssertEqual(h.head(topic: "t", don: "d", at: t0 + .seconds(4)), .some(9))
        XCTAssertNil(h.head(topic: "t", don: "other", at: t0 + .seconds(4)))
    }

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
