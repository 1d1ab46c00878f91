import Store
import TestSupport
import XCTest

final class AppendTests: XCTestCase {
    var dir: TemporaryDirectory!
    var store: ReportStore!

    override func setUp() async throws {
        dir = TemporaryDirectory("append")
        store = try ReportStore.open(dataDir: dir.path)
    }

    override func tearDown() async throws {
        store.close()
        dir.remove()
    }

    func testOffsetsAreDensePerTopicFromZero() async throws {
        var a = RecordFactory(topic: "a")
        var b = RecordFactory(topic: "b")
        let outcomes = try await store.append([a.item(seq: 1), b.item(seq: 1), a.item(seq: 2), a.item(seq: 3), b.item(seq: 2)])
        XCTAssertEqual(outcomes, [.appended(offset: 0), .appended(offset: 0), .appended(offset: 1), .appended(offset: 2), .appended(offset: 1)])
        let more = try await store.append([a.item(seq: 4)])
        XCTAssertEqual(more, [.appended(offset: 3)])
        XCTAssertEqual(try store.topic("a")?.nextOffset, 4)
        XCTAssertEqual(try store.topic("b")?.recordCount, 2)
        var seen: [UInt64] = []
        try store.scan(topic: "a") { seen.append($0.offset); return true }
        XCTAssertEqual(seen, [0, 1, 2, 3])
    }

    func testRecordsReadBackExactly() async throws {
        var f = RecordFactory()
        var record = f.make(seq: 7, verdict: .reject, from: "12D3KooWpeer", reason: "stale_seq", data: [0, 255, 10, 13])
        _ = try await store.append([AppendItem(record: record)])
        record.offset = 0
        XCTAssertEqual(try store.record(topic: record.topic, offset: 0), record)
        XCTAssertNil(try store.record(topic: record.topic, offset: 1))
    }

    func testDuplicateMessageIDsAreNotWrittenTwice() async throws {
        var f = RecordFactory()
        let item = f.item(seq: 1)
        let first = try await store.append([item, item])
        XCTAssertEqual(first, [.appended(offset: 0), .duplicate(existingOffset: 0)])
        let again = try await store.append([item])
        XCTAssertEqual(again, [.duplicate(existingOffset: 0)])
        XCTAssertEqual(try store.topic(f.topic)?.recordCount, 1)
        XCTAssertEqual(try store.offset(topic: f.topic, messageID: item.record.messageID), 0)
    }

    func testSameMessageIDOnAnotherTopicIsAnotherMessage() async throws {
        var f = RecordFactory()
        var item = f.item(seq: 1)
        _ = try await store.append([item])
        item.record.topic = "other"
        let outcome = try await store.append([item])
        XCTAssertEqual(outcome, [.appended(offset: 0)])
    }

    func testHeadsFollowTheHighestAcceptedSeqOnly() async throws {
        var f = RecordFactory()
        _ = try await store.append([
            f.item(don: "don-a", seq: 5), f.item(don: "don-a", seq: 3), f.item(don: "don-a", seq: 9, verdict: .reject),
            f.item(don: "don-b", seq: 2), f.item(don: "don-a", seq: 6), f.item(don: "don-b", seq: 1, verdict: .ignore),
        ])
        let heads = try store.heads().sorted { $0.don < $1.don }
        XCTAssertEqual(heads, [
            Head(topic: f.topic, don: "don-a", seq: 6, offset: 4),
            Head(topic: f.topic, don: "don-b", seq: 2, offset: 3),
        ])
        XCTAssertEqual(try store.head(topic: f.topic, don: "don-a")?.seq, 6)
        XCTAssertNil(try store.head(topic: f.topic, don: "don-c"))
    }

    func testReportsBySeqKeepEquivocationEvidence() async throws {
        var f = RecordFactory()
        let one = f.item(seq: 4)
        var two = f.item(seq: 4, verdict: .ignore)
        two.reportDigest = Array(repeating: 7, count: 32)
        _ = try await store.append([one, two])
        let stored = try store.reports(topic: f.topic, don: "don-a", seq: 4)
        XCTAssertEqual(Set(stored.map(\.offset)), [0, 1])
        XCTAssertTrue(stored.contains { $0.digest == one.reportDigest })
        XCTAssertTrue(stored.contains { $0.digest == two.reportDigest })
    }

    func testPenaltiesAreNumberedInRecordingOrder() async throws {
        var f = RecordFactory()
        _ = try await store.append([f.item(seq: 1, verdict: .reject, from: "bad-1", penalty: true), f.item(seq: 2)])
        _ = try await store.append([f.item(seq: 3, verdict: .reject, from: "bad-2", penalty: true)])
        var penalties: [PenaltyRecord] = []
        try store.penalties { penalties.append($0); return true }
        XCTAssertEqual(penalties.map(\.number), [0, 1])
        XCTAssertEqual(penalties.map(\.peer), ["bad-1", "bad-2"])
        XCTAssertEqual(penalties[0].reason, "bad_signature")
        XCTAssertEqual(penalties[0].scoreDelta, -1)
    }

    func testConcurrentAppendersGetUniqueDenseOffsets() async throws {
        let store = self.store!
        let offsets = try await withThrowingTaskGroup(of: [UInt64].self) { group in
            for producer in 0..<8 {
                group.addTask {
                    var f = RecordFactory(topic: "shared")
                    var mine: [UInt64] = []
                    for seq in 1...50 {
                        var item = f.item(don: "don-\(producer)", seq: UInt64(seq))
                        item.record.messageID = "p\(producer)-\(seq)"
                        guard case .appended(let o) = try await store.append([item])[0] else { XCTFail("duplicate"); continue }
                        mine.append(o)
                    }
                    return mine
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        XCTAssertEqual(offsets.sorted(), Array(0..<400))
        XCTAssertEqual(try store.heads().count, 8)
        XCTAssertTrue(try store.heads().allSatisfy { $0.seq == 50 })
    }

    func testReadersRunWhileTheWriterWrites() async throws {
        let store = self.store!
        let writer = Task {
            var f = RecordFactory(topic: "busy")
            for seq in 1...200 { _ = try await store.append([f.item(seq: UInt64(seq))]) }
        }
        var lastCount: UInt64 = 0
        while true {
            var n: UInt64 = 0
            if try store.topic("busy") != nil {
                try store.scan(topic: "busy") { r in
                    XCTAssertEqual(r.offset, n)  // every snapshot is a dense prefix
                    n += 1
                    return true
                }
            }
            XCTAssertGreaterThanOrEqual(n, lastCount)
            lastCount = n
            if n == 200 { break }
            await Task.yield()
        }
        try await writer.value
    }

    func testInvalidItemsFailTheirCallerOnly() async throws {
        var f = RecordFactory()
        var bad = f.item(seq: 1)
        bad.record.messageID = ""
        do {
            _ = try await store.append([bad])
            XCTFail("an empty message id was accepted")
        } catch let error as StoreError {
            XCTAssertEqual(error.code, .invalidArgument)
        }
        var long = f.item(seq: 2)
        long.record.from = String(repeating: "x", count: 70_000)
        await XCTAssertThrowsErrorAsync(try await store.append([long]))
        let ok = try await store.append([f.item(seq: 3)])
        XCTAssertEqual(ok, [.appended(offset: 0)])
    }

    func testUnknownTopicIsAClearError() throws {
        XCTAssertThrowsError(try store.record(topic: "nope", offset: 0)) { error in
            XCTAssertEqual((error as? StoreError)?.code, .unknownTopic)
            XCTAssertTrue("\(error)".contains("nope"))
        }
    }
}

func XCTAssertThrowsErrorAsync<T>(_ body: @autoclosure () async throws -> T, file: StaticString = #filePath, line: UInt = #line) async {
    do {
        _ = try await body()
        XCTFail("expected an error", file: file, line: line)
    } catch {}
}
