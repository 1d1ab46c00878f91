import Store
import TestSupport
import Wire
import XCTest

/// The `ReportLog` rules, held against both logs: the LMDB store and the in-memory one the
/// simulator and the core's tests use. Each test runs once per kind.
final class ReportLogBehaviourTests: XCTestCase {
    /// Runs `body` on a fresh LMDB store and on a fresh memory log (with the same quota).
    func forEachLog(quota: UInt64? = nil, _ body: (String, any ReportLog) async throws -> Void) async throws {
        let dir = TemporaryDirectory("reportlog")
        defer { dir.remove() }
        var options = StoreOptions()
        options.nonAcceptedQuota = quota
        let store = try ReportStore.open(dataDir: dir.path, options: options)
        defer { store.close() }
        try await body("lmdb", store)
        try await body("memory", MemoryReportLog(nonAcceptedQuota: quota))
    }

    func testOffsetsAreDenseAndIDsDeduplicate() async throws {
        try await forEachLog { kind, log in
            var f = RecordFactory(topic: "t")
            let a = f.item(seq: 1), b = f.item(seq: 2)
            let outcomes = try await log.append([a, b, a])
            XCTAssertEqual(outcomes, [.appended(offset: 0), .appended(offset: 1), .duplicate(existingOffset: 0)], kind)
            XCTAssertEqual(try log.topic("t")?.nextOffset, 2, kind)
            XCTAssertEqual(try log.offset(topic: "t", messageID: b.record.messageID), 1, kind)
            XCTAssertEqual(try log.record(topic: "t", offset: 1)?.messageID, b.record.messageID, kind)
            XCTAssertNil(try log.record(topic: "t", offset: 9), kind)
            XCTAssertThrowsError(try log.record(topic: "nope", offset: 0), kind)
            var scanned: [UInt64] = []
            try log.scan(topic: "t", from: 1) { scanned.append($0.offset); return true }
            XCTAssertEqual(scanned, [1], kind)
        }
    }

    /// Range sync may bring as ACCEPT what live gossip stored as too late: both are kept and the
    /// id points at the accepted one; a second ACCEPT is a duplicate.
    func testAStoredIgnoreIsSupersededByAnAccept() async throws {
        try await forEachLog { kind, log in
            var f = RecordFactory(topic: "t")
            var late = f.item(seq: 5, verdict: .ignore)
            late.reportDigest = nil
            _ = try await log.append([late])
            var accepted = late
            accepted.record.verdict = .accept
            accepted.reportDigest = [1, 2, 3]
            let twice = try await log.append([accepted, accepted])
            XCTAssertEqual(twice, [.appended(offset: 1), .duplicate(existingOffset: 1)], kind)
            XCTAssertEqual(try log.offset(topic: "t", messageID: late.record.messageID), 1, kind)
            XCTAssertEqual(try log.head(topic: "t", don: "don-a")?.seq, 5, kind)
        }
    }

    func testHeadsMoveOnlyUpAndOnlyOnAccept() async throws {
        try await forEachLog { kind, log in
            var f = RecordFactory(topic: "t")
            _ = try await log.append([f.item(seq: 10), f.item(seq: 4), f.item(seq: 30, verdict: .reject)])
            XCTAssertEqual(try log.head(topic: "t", don: "don-a"), Head(topic: "t", don: "don-a", seq: 10, offset: 0), kind)
            XCTAssertNil(try log.head(topic: "t", don: "don-b"), kind)
        }
    }

    /// Two reports for one seq: both indexed (equivocation evidence), scanned twice.
    func testTheSeqIndexKeepsEquivocations() async throws {
        try await forEachLog { kind, log in
            var f = RecordFactory(topic: "t")
            var first = f.item(seq: 7), second = f.item(seq: 7)
            first.reportDigest = [9, 9]
            second.reportDigest = [1, 1]
            _ = try await log.append([f.item(seq: 6), first, second, f.item(seq: 8)])
            XCTAssertEqual(try log.reports(topic: "t", don: "don-a", seq: 7).map(\.digest), [[1, 1], [9, 9]], kind)
            var seqs: [UInt64] = []
            try log.scanSeqs(topic: "t", don: "don-a", from: 7) { seqs.append($0); return true }
            XCTAssertEqual(seqs.count, 3, kind)
            XCTAssertEqual(seqs.first, 7, kind)
            XCTAssertEqual(seqs.last, 8, kind)
        }
    }

    /// Penalties are numbered densely, alone or with their record, and kept past the quota of
    /// records that were not accepted.
    func testPenaltiesAreNumberedAndSurviveTheQuota() async throws {
        try await forEachLog(quota: 300) { kind, log in
            var f = RecordFactory(topic: "t")
            var outcomes: [AppendOutcome] = []
            for seq in 1...10 { outcomes += try await log.append([f.item(seq: UInt64(seq), verdict: .reject, from: "spammer", penalty: true)]) }
            try await log.appendPenalty(PenaltyRecord(peer: "flooder", at: 1, topic: "", messageID: "", reason: "iwant_flood", verdict: .reject, scoreDelta: -1))
            XCTAssertTrue(outcomes.contains(.overQuota), "\(kind): ten rejected records do not fit 300 bytes")
            var numbers: [UInt64] = [], peers: [String] = []
            try log.penalties(from: 0) { numbers.append($0.number); peers.append($0.peer); return true }
            XCTAssertEqual(numbers, Array(0...10), kind)
            XCTAssertEqual(peers.last, "flooder", kind)
            let accepted = try await log.append([f.item(seq: 11)])
            XCTAssertNotEqual(accepted, [.overQuota], "\(kind): accepted records are not limited")
        }
    }
}
