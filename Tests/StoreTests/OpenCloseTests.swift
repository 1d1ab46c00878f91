import Wire
@testable import Store
import TestSupport
import XCTest

final class OpenCloseTests: XCTestCase {
    var dir: TemporaryDirectory!

    override func setUp() { dir = TemporaryDirectory("open") }
    override func tearDown() { dir.remove() }

    func testSecondWriterGetsALockedError() throws {
        let store = try ReportStore.open(dataDir: dir.path)
        XCTAssertThrowsError(try ReportStore.open(dataDir: dir.path)) { error in
            let e = error as? StoreError
            XCTAssertEqual(e?.code, .locked)
            XCTAssertTrue(e?.message.contains("pid \(getpid())") ?? false, "\(error)")
        }
        store.close()
        let again = try ReportStore.open(dataDir: dir.path)
        again.close()
    }

    func testNewerSchemaIsRefused() throws {
        let store = try ReportStore.open(dataDir: dir.path)
        try store.env.write { txn in
            var w = BinaryWriter()
            w.u32(Schema.currentVersion + 1)
            try txn.put(store.dbs.meta, Schema.versionKey, w.bytes)
        }
        store.close()
        XCTAssertThrowsError(try ReportStore.open(dataDir: dir.path)) { error in
            XCTAssertEqual((error as? StoreError)?.code, .newerSchema)
            XCTAssertTrue("\(error)".contains("schema version \(Schema.currentVersion + 1)"))
        }
        // The refused open released its lock and left the data alone.
        var ro = StoreOptions()
        ro.readOnly = true
        XCTAssertThrowsError(try ReportStore.open(dataDir: dir.path, options: ro))
    }

    func testReopenKeepsEverythingInEachDurabilityMode() async throws {
        for durability in Durability.allCases {
            let path = dir.sub(durability.rawValue)
            var options = StoreOptions()
            options.durability = durability
            var f = RecordFactory()
            let store = try ReportStore.open(dataDir: path, options: options)
            _ = try await store.append((1...20).map { f.item(seq: $0, verdict: $0 % 5 == 0 ? .reject : .accept, penalty: $0 % 5 == 0) })
            let id = store.storeID
            store.close()
            let reopened = try ReportStore.open(dataDir: path, options: options)
            XCTAssertEqual(reopened.storeID, id)
            XCTAssertEqual(try reopened.topic(f.topic)?.nextOffset, 20, "\(durability)")
            XCTAssertEqual(try reopened.head(topic: f.topic, don: "don-a")?.seq, 19)
            XCTAssertEqual(try reopened.penaltyCount(), 4)
            // Appends continue after the old offsets and penalty numbers.
            _ = try await reopened.append([f.item(seq: 21, verdict: .reject, penalty: true)])
            var last: PenaltyRecord?
            try reopened.penalties(from: 4) { last = $0; return true }
            XCTAssertEqual(last?.number, 4)
            XCTAssertEqual(try reopened.topic(f.topic)?.nextOffset, 21)
            reopened.close()
        }
    }

    func testMapGrowsWhenFull() async throws {
        var options = StoreOptions()
        options.initialMapSize = 256 << 10
        let store = try ReportStore.open(dataDir: dir.path, options: options)
        var f = RecordFactory()
        let payload = [UInt8](repeating: 0xAB, count: 4000)
        for batch in 0..<20 {
            let items = (0..<50).map { i -> AppendItem in
                var item = f.item(seq: UInt64(batch * 50 + i + 1))
                item.record.data = payload
                return item
            }
            _ = try await store.append(items)
        }
        XCTAssertGreaterThan(store.usage().mapSize, 256 << 10)
        XCTAssertEqual(try store.topic(f.topic)?.nextOffset, 1000)
        XCTAssertEqual(try store.record(topic: f.topic, offset: 999)?.data, payload)
        store.close()
    }

    func testReadOnlyOpenOfAMissingDirExplains() {
        var options = StoreOptions()
        options.readOnly = true
        XCTAssertThrowsError(try ReportStore.open(dataDir: dir.sub("absent"), options: options)) { error in
            XCTAssertTrue("\(error)".contains("no p2pmq data"))
        }
    }

    func testWritesAfterCloseFail() async throws {
        let store = try ReportStore.open(dataDir: dir.path)
        store.close()
        var f = RecordFactory()
        await XCTAssertThrowsErrorAsync(try await store.append([f.item(seq: 1)]))
    }
}
