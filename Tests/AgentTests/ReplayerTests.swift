@testable import Agent
import AgentAPI
import Foundation
import Store
import TestSupport
import XCTest

/// The replay engine driven in-process: a validator that stops answering ends the replay with
/// the offset to resume from; bounds parse as offsets, times and DON:seq.
final class ReplayerTests: XCTestCase {
    func testAValidatorThatGoesSilentStopsTheReplayWhereItHung() async throws {
        let dir = TemporaryDirectory("replayer")
        defer { dir.remove() }
        let store = try ReportStore.open(dataDir: dir.path)
        defer { store.close() }
        var f = RecordFactory(topic: "t")
        _ = try await store.append((0..<20).map { f.item(seq: UInt64($0)) })
        let pool = ValidatorPool()
        let (_, batches) = await pool.connect()
        // Answers the first 5 messages, then never again (but stays connected).
        let judge = Task {
            var n = 0
            for await batch in batches {
                for m in batch where n < 5 {
                    n += 1
                    await pool.verdict(.with { $0.msg = m; $0.result = .accept })
                }
            }
        }
        defer { judge.cancel() }
        var options = Replayer.Options(topic: "t")
        options.verdictTimeout = .seconds(2)  // generous: a loaded machine must not stop it early
        let result = try await Replayer(store: store, pool: pool).run(options)
        XCTAssertEqual(result.replayed, 5)
        XCTAssertEqual(result.stoppedAt, 5)
        XCTAssertEqual(result.stopReason, "the validator gave no verdict for offset 5 within 2.0 seconds")
        var digest = ReplayDigest()
        for i in 0..<5 { digest.add(offset: UInt64(i), messageID: "msg-t-\(i + 1)", verdict: .accept) }
        XCTAssertEqual(result.digest, digest, "the digest covers exactly the judged prefix")
    }

    /// A log may hold one id twice (IGNOREd when it first came, accepted later); verdicts are
    /// matched by id, so the two are never out at once, and both are judged in log order. The
    /// validator answers out of order, in groups.
    func testRepeatedIdsAndOutOfOrderVerdictsAreTakenInLogOrder() async throws {
        let dir = TemporaryDirectory("replayer-ids")
        defer { dir.remove() }
        let store = try ReportStore.open(dataDir: dir.path)
        defer { store.close() }
        var f = RecordFactory(topic: "t")
        var items = (0..<300).map { f.item(seq: UInt64($0)) }
        var again = items[10].record
        again.verdict = .ignore
        items.insert(AppendItem(record: items[10].record, reportDigest: items[10].reportDigest), at: 20)
        items[10] = AppendItem(record: again, reportDigest: items[10].reportDigest)
        _ = try await store.append(items)
        let pool = ValidatorPool()
        let (_, batches) = await pool.connect()
        // Answers each batch in reverse, REJECTing ids that end in 7.
        let judge = Task {
            for await batch in batches {
                await pool.verdicts(batch.reversed().map { m in .with { $0.msg = m; $0.result = m.messageID.hasSuffix("7") ? .reject : .accept } })
            }
        }
        defer { judge.cancel() }
        var options = Replayer.Options(topic: "t")
        options.window = 32
        let result = try await Replayer(store: store, pool: pool).run(options)
        XCTAssertEqual(result.replayed, 301)
        XCTAssertNil(result.stoppedAt)
        // The first copy of the id was recorded IGNORE and is now ACCEPT: one difference there.
        var expected = ReplayDigest()
        var offset: UInt64 = 0
        for item in items {
            expected.add(offset: offset, messageID: item.record.messageID, verdict: item.record.messageID.hasSuffix("7") ? .reject : .accept)
            offset += 1
        }
        XCTAssertEqual(result.digest, expected)
        XCTAssertEqual(result.differences.first { $0.offset == 10 }?.recorded, .ignore)
    }

    func testBoundsParse() {
        XCTAssertEqual(ReplayBound(text: "42"), .offset(42))
        XCTAssertEqual(ReplayBound(text: "don-a:7"), .donSeq(don: "don-a", seq: 7))
        XCTAssertEqual(ReplayBound(text: "ns:with:colons:9"), .donSeq(don: "ns:with:colons", seq: 9))
        XCTAssertEqual(ReplayBound(text: "2026-11-27T10:00:00Z"), .time(RFC3339.parse("2026-11-27T10:00:00Z")!))
        XCTAssertNil(ReplayBound(text: "yesterday"))
        XCTAssertNil(ReplayBound(text: "don-a:"))
    }
}
