import Core
@testable import Agent
import Foundation
import Store
import TestSupport
import XCTest

/// Range requests answered from a real LMDB store: what is served, what is declared a gap, and
/// the clear refusal each bad request gets.
final class RangeServerTests: XCTestCase {
    private var dir: TemporaryDirectory!
    private var store: ReportStore!
    private let marker = Array("DAMAGE-ME-0123456789-seq7".utf8)

    override func setUp() async throws {
        dir = TemporaryDirectory("range")
        var options = StoreOptions()
        options.durability = .sync
        store = try ReportStore.open(dataDir: dir.path, options: options)
        var f = RecordFactory(topic: "t")
        var items: [AppendItem] = []
        for seq: UInt64 in 1...10 where seq != 5 {
            var item = f.item(seq: seq)
            if seq == 7 { item.record.data = marker }
            items.append(item)
        }
        // Kept evidence of a second report for seq 3: never served.
        items.append(f.item(seq: 3, verdict: .ignore))
        _ = try await store.append(items)
    }

    override func tearDown() {
        store.close()
        dir.remove()
    }

    private func answer(start: UInt64, count: UInt32, topic: String = "t", don: String = "don-a", maxBytes: UInt64 = 0) -> RangeServer.Answer {
        RangeServer(store: store).answer(.with {
            $0.topic = topic
            $0.don = don
            $0.startSeq = start
            $0.count = count
            $0.maxBytes = maxBytes
        })
    }

    /// Runs the frames through the joiner's check and returns a compact transcript.
    private func transcript(_ a: RangeServer.Answer, start: UInt64, count: UInt32) throws -> [String] {
        var receiver = RangeReceiver(start: start, count: count)
        return try a.frames.map { frame in
            switch try receiver.receive(frame) {
            case .record(let seq, _, _): "r\(seq)"
            case .gap(let r, let why): "gap \(r.lowerBound)-\(r.upperBound) \(why)"
            case .end(let next, let refused): refused.map { "refused \($0.status): \($0.error)" } ?? "end \(next)"
            }
        }
    }

    func testServesAcceptedRecordsInSeqOrderWithGapsDeclared() throws {
        let a = answer(start: 1, count: 20)
        XCTAssertEqual(try transcript(a, start: 1, count: 20), ["r1", "r2", "r3", "r4", "gap 5-5 not stored", "r6", "r7", "r8", "r9", "r10", "end 11"])
        XCTAssertEqual(a.records, 9)
        XCTAssertEqual(try transcript(answer(start: 8, count: 2), start: 8, count: 2), ["r8", "r9", "end 10"])
    }

    func testByteBudgetEndsTheResponseEarlyWithTheNextSeq() throws {
        XCTAssertEqual(try transcript(answer(start: 1, count: 10, maxBytes: 100), start: 1, count: 10), ["r1", "r2", "end 3"])
    }

    func testBadRequestsAreRefusedWithAReason() throws {
        XCTAssertEqual(try transcript(answer(start: 1, count: 0), start: 1, count: 0), ["refused badRequest: count must be 1 to 1024, got 0"])
        XCTAssertEqual(try transcript(answer(start: 1, count: 1_000_000), start: 1, count: 1_000_000), ["refused badRequest: count must be 1 to 1024, got 1000000"])
        XCTAssertEqual(try transcript(answer(start: 1, count: 5, topic: "nope"), start: 1, count: 5), ["refused unknownTopic: no topic 'nope' here"])
        XCTAssertEqual(try transcript(answer(start: 1, count: 5, don: "don-z"), start: 1, count: 5), ["refused unknownDon: no reports of DON 'don-z' on 't' here"])
        XCTAssertEqual(try transcript(answer(start: 11, count: 5), start: 11, count: 5), ["refused beyondHead: start seq 11 is beyond head 10"])
        XCTAssertEqual(try transcript(answer(start: 1, count: 5, maxBytes: 1 << 30), start: 1, count: 5), ["refused badRequest: max_bytes is at most 16777216, got 1073741824"])
        // A start near the top of the seq space does not overflow.
        XCTAssertEqual(try transcript(answer(start: .max, count: 1024), start: .max, count: 1024).first, "refused beyondHead: start seq 18446744073709551615 is beyond head 10")
    }

    func testDamagedRecordIsSkippedDeclaredAndReported() throws {
        store.close()
        let file = dir.path + "/log/data.mdb"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        let at = try XCTUnwrap(bytes.firstRange(of: Data(marker))?.lowerBound)
        bytes[at + 2] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: file))
        store = try ReportStore.open(dataDir: dir.path)

        let a = answer(start: 6, count: 5)
        XCTAssertEqual(try transcript(a, start: 6, count: 5), ["r6", "gap 7-7 corrupt record at offset 5", "r8", "r9", "r10", "end 11"])
        XCTAssertEqual(a.corrupt.count, 1)
        XCTAssertTrue(a.corrupt[0].contains("checksum mismatch"), a.corrupt[0])
        if case .end(let e)? = a.frames.last?.kind { XCTAssertEqual(e.corruptSkipped, 1) } else { XCTFail("no end frame") }
    }
}
