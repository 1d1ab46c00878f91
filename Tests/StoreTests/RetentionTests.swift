import Store
import TestSupport
import XCTest

final class RetentionTests: XCTestCase {
    func testBySizeDropsOldestAndKeepsOffsets() async throws {
        let dir = TemporaryDirectory("retention")
        defer { dir.remove() }
        var options = StoreOptions()
        options.topicRetention["small"] = RetentionPolicy(maxBytes: 1000)
        let store = try ReportStore.open(dataDir: dir.path, options: options)
        defer { store.close() }
        var small = RecordFactory(topic: "small")
        var big = RecordFactory(topic: "big")
        let smallItems = (1...40).map { small.item(seq: UInt64($0)) }
        _ = try await store.append(smallItems + (1...40).map { big.item(seq: UInt64($0)) })
        let removed = try store.applyRetention()
        let info = try XCTUnwrap(store.topic("small"))
        XCTAssertEqual(removed["small"], info.firstOffset)
        XCTAssertNil(removed["big"])
        XCTAssertGreaterThan(info.firstOffset, 0)
        XCTAssertLessThanOrEqual(info.bytes, 1000)
        XCTAssertEqual(info.nextOffset, 40)
        XCTAssertNil(try store.record(topic: "small", offset: info.firstOffset - 1))
        XCTAssertEqual(try store.record(topic: "small", offset: info.firstOffset)?.offset, info.firstOffset)
        // The dropped message ids are forgotten; the head stays.
        XCTAssertNil(try store.offset(topic: "small", messageID: smallItems[0].record.messageID))
        XCTAssertEqual(try store.head(topic: "small", don: "don-a")?.seq, 40)
        XCTAssertEqual(try store.reports(topic: "small", don: "don-a", seq: 1).count, 0)
        XCTAssertEqual(try store.topic("big")?.recordCount, 40)
        // New appends continue at the old next offset.
        let next = try await store.append([small.item(seq: 41)])
        XCTAssertEqual(next, [.appended(offset: 40)])

        let index = try ReportIndex.open(for: store)
        var q = HistoryQuery()
        q.topic = "small"
        XCTAssertEqual(try index.history(q).first?.offset, info.firstOffset)
    }

    func testByAge() async throws {
        let dir = TemporaryDirectory("retention-age")
        defer { dir.remove() }
        var options = StoreOptions()
        options.retention = RetentionPolicy(maxAgeNanoseconds: 10_000_000_000)
        let store = try ReportStore.open(dataDir: dir.path, options: options)
        defer { store.close() }
        var f = RecordFactory()  // one record per second from baseTime + 1 s
        _ = try await store.append((1...30).map { f.item(seq: UInt64($0)) })
        let now = f.baseTime + 30 * 1_000_000_000
        XCTAssertEqual(try store.applyRetention(now: now)[f.topic], 19)  // ages 29 s ... 11 s
        XCTAssertEqual(try store.topic(f.topic)?.firstOffset, 19)
        XCTAssertEqual(try store.applyRetention(now: now), [:])
    }
}
