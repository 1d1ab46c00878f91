import Store
import TestSupport
import XCTest

/// Records that were not accepted are spam's way onto the disk: the log keeps at most
/// `nonAcceptedQuota` bytes of them. Accepted records and penalties are always written.
final class QuotaTests: XCTestCase {
    func testNonAcceptedRecordsStopAtTheQuotaAcceptedOnesAndPenaltiesDoNot() async throws {
        let dir = TemporaryDirectory("quota")
        defer { dir.remove() }
        var options = StoreOptions()
        options.nonAcceptedQuota = 2000
        options.topicRetention["t"] = RetentionPolicy(maxBytes: 2500)
        var f = RecordFactory(topic: "t")
        var outcomes: [AppendOutcome] = []
        do {
            let store = try ReportStore.open(dataDir: dir.path, options: options)
            for seq in 1...40 {
                outcomes += try await store.append([f.item(seq: UInt64(seq), verdict: .reject, from: "spammer", penalty: true)])
            }
            let over = outcomes.filter { $0 == .overQuota }.count
            XCTAssertGreaterThan(over, 0, "40 rejected records of ~110 bytes do not fit 2000 bytes")
            XCTAssertLessThan(over, 40)
            var penalties = 0
            try store.penalties { _ in penalties += 1; return true }
            XCTAssertEqual(penalties, 40, "every penalty is kept, with or without its record")
            let kept = try XCTUnwrap(store.topic("t"))
            XCTAssertLessThanOrEqual(kept.bytes, 2000)
            // Accepted records are not limited by it.
            let accepted = try await store.append((41...60).map { f.item(seq: UInt64($0)) })
            XCTAssertTrue(accepted.allSatisfy { if case .appended = $0 { true } else { false } })
            store.close()
        }
        // The count survives a restart: still full.
        let store = try ReportStore.open(dataDir: dir.path, options: options)
        defer { store.close() }
        let full = try await store.append([f.item(seq: 61, verdict: .ignore)])
        XCTAssertEqual(full, [.overQuota])
        // Retention drops the oldest records (the rejected ones): room again.
        _ = try store.applyRetention()
        let again = try await store.append([f.item(seq: 62, verdict: .ignore)])
        guard case .appended = again[0] else { return XCTFail("retention freed no room: \(again)") }
    }
}
