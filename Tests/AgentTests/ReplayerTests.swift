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
        let (_, messages) = await pool.connect()
        // Answers the first 5 messages, then never again (but stays connected).
        let judge = Task {
            var n = 0
            for await m in messages where n < 5 {
                n += 1
                await pool.verdict(.with { $0.msg = m; $0.result = .accept })
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

    func testBoundsParse() {
        XCTAssertEqual(ReplayBound(text: "42"), .offset(42))
        XCTAssertEqual(ReplayBound(text: "don-a:7"), .donSeq(don: "don-a", seq: 7))
        XCTAssertEqual(ReplayBound(text: "ns:with:colons:9"), .donSeq(don: "ns:with:colons", seq: 9))
        XCTAssertEqual(ReplayBound(text: "2026-11-27T10:00:00Z"), .time(RFC3339.parse("2026-11-27T10:00:00Z")!))
        XCTAssertNil(ReplayBound(text: "yesterday"))
        XCTAssertNil(ReplayBound(text: "don-a:"))
    }
}
