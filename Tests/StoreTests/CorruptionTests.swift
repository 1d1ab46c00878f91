import Foundation
import Store
import TestSupport
import XCTest

final class CorruptionTests: XCTestCase {
    func testCorruptRecordNamesTopicAndOffsetAndOtherTopicsStayReadable() async throws {
        let dir = TemporaryDirectory("corrupt")
        defer { dir.remove() }
        var options = StoreOptions()
        options.durability = .sync
        var store = try ReportStore.open(dataDir: dir.path, options: options)
        var good = RecordFactory(topic: "good")
        var bad = RecordFactory(topic: "bad")
        let marker = Array("MARKER-THAT-WILL-BE-DAMAGED-0123456789".utf8)
        var victim = bad.item(seq: 2)
        victim.record.data = marker
        _ = try await store.append([good.item(seq: 1), bad.item(seq: 1), victim, good.item(seq: 2)])
        store.close()

        // Flip one byte inside the stored value, as a bad disk sector would.
        let file = dir.path + "/log/data.mdb"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        let at = try XCTUnwrap(bytes.firstRange(of: Data(marker))?.lowerBound)
        bytes[at + 3] ^= 0x20
        try bytes.write(to: URL(fileURLWithPath: file))

        store = try ReportStore.open(dataDir: dir.path, options: options)
        defer { store.close() }
        XCTAssertThrowsError(try store.record(topic: "bad", offset: 1)) { error in
            let e = error as? StoreError
            XCTAssertEqual(e?.code, .corruptRecord)
            XCTAssertTrue(e?.message.contains("topic 'bad' offset 1") ?? false, "\(error)")
        }
        XCTAssertNotNil(try store.record(topic: "bad", offset: 0))
        var goodCount = 0
        try store.scan(topic: "good") { _ in goodCount += 1; return true }
        XCTAssertEqual(goodCount, 2)
        // Appending still works and does not touch the damaged record.
        let outcome = try await store.append([bad.item(seq: 3)])
        XCTAssertEqual(outcome, [.appended(offset: 2)])
    }
}
