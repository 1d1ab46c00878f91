import Foundation
import Store
import TestSupport
import XCTest

final class IndexTests: XCTestCase {
    var dir: TemporaryDirectory!
    var store: ReportStore!
    var f = RecordFactory(topic: "t")

    override func setUp() async throws {
        dir = TemporaryDirectory("index")
        store = try ReportStore.open(dataDir: dir.path)
        // seq 1..10 for don-a from peer-1, don-b from peer-2; every 4th don-b is a REJECT.
        var items: [AppendItem] = []
        for seq in UInt64(1)...10 {
            items.append(f.item(don: "don-a", seq: seq, from: "peer-1"))
            let reject = seq % 4 == 0
            items.append(f.item(don: "don-b", seq: seq, verdict: reject ? .reject : .accept, from: "peer-2", penalty: reject))
        }
        _ = try await store.append(items)
    }

    override func tearDown() async throws {
        store.close()
        dir.remove()
    }

    func testFiltersCombineAndNewestComeLast() throws {
        let index = try ReportIndex.open(for: store)
        var q = HistoryQuery()
        q.don = "don-a"
        q.seqRange = 3...5
        XCTAssertEqual(try index.history(q).map(\.offset), [4, 6, 8])
        q = HistoryQuery()
        q.verdict = .reject
        XCTAssertEqual(try index.history(q).count, 2)
        q = HistoryQuery()
        q.from = "peer-2"
        q.limit = 3
        XCTAssertEqual(try index.history(q).map(\.offset), [15, 17, 19])  // the newest 3, oldest first
        q = HistoryQuery()
        q.since = f.baseTime + 3 * 1_000_000_000
        q.until = f.baseTime + 5 * 1_000_000_000
        XCTAssertEqual(try index.history(q).map(\.offset), [2, 3, 4])
        q = HistoryQuery()
        q.topic = "absent"
        XCTAssertEqual(try index.history(q), [])
    }

    func testFollowsTheLogIncrementally() async throws {
        let index = try ReportIndex.open(for: store)
        XCTAssertEqual(try index.recordCount(), 20)
        _ = try await store.append([f.item(don: "don-c", seq: 1)])
        XCTAssertEqual(try index.catchUp(from: store).records, 1)
        XCTAssertEqual(try index.catchUp(from: store).records, 0)
        XCTAssertEqual(try index.recordCount(), 21)
    }

    func testDeletedIndexIsRebuiltOnOpen() throws {
        _ = try ReportIndex.open(for: store)
        try FileManager.default.removeItem(atPath: dir.path + "/" + ReportIndex.fileName)
        let index = try ReportIndex.open(for: store)
        XCTAssertEqual(try index.recordCount(), 20)
        XCTAssertEqual(try index.peerPenaltySummaries().first?.count, 2)
    }

    func testIndexCopiedFromAnotherDataDirIsRebuilt() async throws {
        _ = try ReportIndex.open(for: store)
        let other = TemporaryDirectory("index-other")
        defer { other.remove() }
        let otherStore = try ReportStore.open(dataDir: other.path)
        defer { otherStore.close() }
        var g = RecordFactory(topic: "elsewhere")
        _ = try await otherStore.append([g.item(seq: 1)])
        try FileManager.default.copyItem(atPath: dir.path + "/" + ReportIndex.fileName, toPath: other.path + "/" + ReportIndex.fileName)
        let index = try ReportIndex.open(for: otherStore)
        XCTAssertEqual(try index.recordCount(), 1)
        var q = HistoryQuery()
        q.topic = "t"
        XCTAssertEqual(try index.history(q), [])
    }

    func testRebuildMatchesIncrementalIndex() throws {
        let incremental = try ReportIndex.open(for: store)
        let before = try incremental.history(HistoryQuery())
        let rebuilt = try ReportIndex.rebuild(for: store)
        XCTAssertEqual(try rebuilt.history(HistoryQuery()), before)
    }

    func testAuditSummariesExplainPenalties() throws {
        let index = try ReportIndex.open(for: store)
        let summaries = try index.peerPenaltySummaries()
        XCTAssertEqual(summaries.map(\.peer), ["peer-2"])
        XCTAssertEqual(summaries[0].byReason, ["bad_signature": 2])
        XCTAssertEqual(summaries[0].totalScoreDelta, -2)
        XCTAssertEqual(summaries[0].lastSeen, f.baseTime + 16 * 1_000_000_000)
        let timeline = try index.penalties(peer: "peer-2")
        XCTAssertEqual(timeline.map(\.messageID), ["msg-t-8", "msg-t-16"])
        let delivered = try index.deliveries(from: "peer-2")
        XCTAssertEqual([delivered.accepted, delivered.ignored, delivered.rejected], [8, 0, 2])
    }
}
