@testable import Core
import Foundation
import XCTest

/// The pure parts of range sync, driven directly: the seq-set arithmetic, the check of a range
/// response's frames, the choice of peers during catch-up, and the serving rate limit.
final class SyncStateMachineTests: XCTestCase {
    func testSeqRangesMergeRemoveAndMissing() {
        var s = SeqRanges([1...3, 7...9])
        s.insert(4...6)
        XCTAssertEqual(s.ranges, [1...9])
        s.remove(3...4)
        XCTAssertEqual(s.ranges, [1...2, 5...9])
        XCTAssertEqual(s.firstMember(atOrAfter: 3), 5)
        XCTAssertTrue(s.contains(9))
        XCTAssertFalse(s.contains(10))
        XCTAssertEqual(s.count, 7)
        XCTAssertEqual(SeqRanges.missing(low: 1, high: 10, held: [2, 2, 3, 7, 12]).ranges, [1...1, 4...6, 8...10])
        XCTAssertEqual(SeqRanges.missing(low: 5, high: 4, held: []).ranges, [])
        XCTAssertEqual(SeqRanges.missing(low: 0, high: .max, held: [0, .max]).ranges, [1...(.max - 1)])
    }

    private func record(_ seq: UInt64) -> SyncProtocol.Frame {
        var f = SyncProtocol.Frame()
        f.record = .with { $0.seq = seq; $0.messageID = "m\(seq)"; $0.data = Data([1]) }
        return f
    }

    func testRangeReceiverAcceptsRecordsAndGapsInOrder() throws {
        var r = RangeReceiver(start: 10, count: 5)
        XCTAssertEqual(try r.receive(record(10)), .record(seq: 10, messageID: "m10", data: [1]))
        XCTAssertEqual(try r.receive(SyncProtocol.gap(11, 12, "not stored")), .gap(11...12, reason: "not stored"))
        XCTAssertEqual(try r.receive(record(13)), .record(seq: 13, messageID: "m13", data: [1]))
        XCTAssertEqual(r.remaining, 14...14)
        XCTAssertEqual(try r.receive(SyncProtocol.end(.ok, next: 14)), .end(next: 14, refused: nil))
        XCTAssertThrowsError(try r.receive(record(14))) { XCTAssertEqual(($0 as? RangeReceiver.Violation)?.code, "sync_after_end") }
    }

    func testRangeReceiverNamesEachViolation() {
        func violation(_ frames: [SyncProtocol.Frame]) -> String? {
            var r = RangeReceiver(start: 10, count: 5)
            do {
                for f in frames { _ = try r.receive(f) }
                return nil
            } catch { return error.code }
        }
        XCTAssertEqual(violation([record(9)]), "sync_out_of_range")
        XCTAssertEqual(violation([record(15)]), "sync_out_of_range")
        XCTAssertEqual(violation([record(11)]), "sync_non_contiguous")
        XCTAssertEqual(violation([record(10), record(10)]), "sync_non_contiguous")
        XCTAssertEqual(violation([SyncProtocol.gap(10, 20, "x")]), "sync_out_of_range")
        XCTAssertEqual(violation([SyncProtocol.gap(11, 12, "x")]), "sync_non_contiguous")
        XCTAssertEqual(violation([record(10), SyncProtocol.end(.ok, next: 12)]), "sync_bad_end")
        XCTAssertEqual(violation([SyncProtocol.Frame()]), "sync_malformed")
        XCTAssertNil(violation([record(10), SyncProtocol.end(.busy, next: 10, "busy")]))
    }

    private let stream = CatchUpPlan.Stream(topic: "t", don: "d")

    func testPlanTakesEachStreamInSeqOrderAndSpreadsPeers() {
        let other = CatchUpPlan.Stream(topic: "t", don: "e")
        var plan = CatchUpPlan(
            missing: [stream: SeqRanges([1...3000]), other: SeqRanges([1...10])],
            holders: [stream: [.init(peer: "a", first: 1, head: 3000), .init(peer: "b", first: 1, head: 3000)],
                      other: [.init(peer: "a", first: 1, head: 10), .init(peer: "b", first: 1, head: 10)]])
        let r1 = plan.next()!, r2 = plan.next()!
        XCTAssertEqual(r1.stream, stream)
        XCTAssertEqual(r1.range, 1...1024)
        XCTAssertEqual(r2.stream, other, "one request per stream at a time; other streams go in parallel")
        XCTAssertNotEqual(r1.peer, r2.peer)
        XCTAssertNil(plan.next())
        plan.completed(r1, .init(covered: SeqRanges([r1.range])))
        let r3 = plan.next()!
        XCTAssertEqual(r3.range, 1025...2048)
        XCTAssertEqual(r3.peer, r2.peer == "a" ? "b" : "a", "the least used free peer")
        plan.completed(r3, .init(covered: SeqRanges([r3.range])))
        let r4 = plan.next()!
        XCTAssertEqual(r4.range, 2049...3000)
        plan.completed(r4, .init(covered: SeqRanges([r4.range])))
        plan.completed(r2, .init(covered: SeqRanges([r2.range])))
        XCTAssertNil(plan.next())
        XCTAssertTrue(plan.isDone)
        XCTAssertTrue(plan.unavailable.isEmpty)
    }

    func testPlanAsksAnotherPeerForWhatOneLacksOrForged() {
        var plan = CatchUpPlan(
            missing: [stream: SeqRanges([1...100])],
            holders: [stream: [.init(peer: "a", first: 1, head: 100), .init(peer: "b", first: 1, head: 100)]], perPeerLimit: 1)
        var first = plan.next()!
        var second = plan.next()
        XCTAssertNil(second, "the first request takes all 100 seqs")
        // The first peer sent 1...40, declared 41...50 missing, then stalled.
        plan.completed(first, .init(covered: SeqRanges([1...40]), lacking: SeqRanges([41...50]), excludePeer: true))
        second = plan.next()
        XCTAssertNotEqual(second?.peer, first.peer)
        XCTAssertEqual(second?.range, 41...100)
        plan.completed(second!, .init(covered: SeqRanges([41...100])))
        XCTAssertTrue(plan.isDone)
        XCTAssertEqual(plan.excluded, [first.peer])

        // Seqs nobody has end up unavailable rather than asked for forever.
        plan = CatchUpPlan(missing: [stream: SeqRanges([1...10])], holders: [stream: [.init(peer: "a", first: 1, head: 10)]])
        first = plan.next()!
        plan.completed(first, .init(covered: SeqRanges([1...4, 6...10]), lacking: SeqRanges([5...5])))
        XCTAssertNil(plan.next())
        XCTAssertTrue(plan.isDone)
        XCTAssertEqual(plan.unavailable[stream]?.ranges, [5...5])
    }

    /// After a partition of a DON whose nodes were cut off from each other too, each holds every
    /// fourth report of the cut. The plan asked one request per hole (hundreds, one at a time per
    /// stream: 15 s in the reliability suite); it now asks each holder once for the whole span.
    func testSparseHoldersAreAskedForTheWholeSpanNotHoleByHole() {
        let holders = (0..<4).map { CatchUpPlan.Holder(peer: "p\($0)", first: 1, head: 400) }
        var plan = CatchUpPlan(missing: [stream: SeqRanges([1...400])], holders: [stream: holders])
        var requests = 0
        var covered = SeqRanges()
        while let r = plan.next() {
            requests += 1
            XCTAssertLessThanOrEqual(requests, 8, "one request per holder, not one per hole")
            guard requests <= 8 else { break }
            // Peer pK holds the seqs with seq % 4 == K and declares the rest of the range missing.
            let k = UInt64(r.peer.dropFirst())!
            var has = SeqRanges(), lacks = SeqRanges()
            for seq in r.range { if seq % 4 == k { has.insert(seq...seq) } else { lacks.insert(seq...seq) } }
            // Seqs already held come back too, and count as covered.
            let result = CatchUpPlan.Result(covered: SeqRanges(has.ranges + covered.clamped(to: r.range).ranges), lacking: lacks)
            for x in has.ranges { covered.insert(x) }
            plan.completed(r, result)
        }
        XCTAssertTrue(plan.isDone)
        XCTAssertEqual(covered.ranges, [1...400])
        XCTAssertNil(plan.unavailable[stream])
        XCTAssertEqual(requests, 4)
    }

    func testPlanNeverAsksBeyondWhatAPeerHolds() {
        var plan = CatchUpPlan(
            missing: [stream: SeqRanges([1...100])],
            holders: [stream: [.init(peer: "old", first: 1, head: 50), .init(peer: "new", first: 60, head: 100)]], perPeerLimit: 1)
        let a = plan.next()!
        XCTAssertEqual(a.peer, "old")
        XCTAssertEqual(a.range, 1...50)
        // A refusal that covers nothing marks the range as lacking at that peer.
        plan.completed(a, .init())
        let b = plan.next()!
        XCTAssertEqual(b.peer, "new")
        XCTAssertEqual(b.range, 60...100)
        XCTAssertEqual(plan.unavailable[stream]?.ranges, [1...59])
        plan.completed(b, .init(covered: SeqRanges([60...100])))
        XCTAssertNil(plan.next())
        XCTAssertEqual(plan.unavailable[stream]?.ranges, [1...59])
    }

    func testTokenBucketPacesARequesterWithoutRefusing() {
        var bucket = TokenBucket(rate: 1000, burst: 100, now: 0)
        XCTAssertEqual(bucket.take(100, now: 0), 0)
        XCTAssertEqual(bucket.take(100, now: 0), 0.1, accuracy: 1e-9)
        // After the wait the tokens were earned; nothing is owed.
        XCTAssertEqual(bucket.take(50, now: 0.15), 0, accuracy: 1e-9)
        var unlimited = TokenBucket(rate: 0, burst: 1, now: 0)
        XCTAssertEqual(unlimited.take(1e9, now: 0), 0, "rate 0: no limit")
    }
}

/// Which peer heads range sync believes (`CredibleHeads`).
final class CredibleHeadsTests: XCTestCase {
    typealias Holder = CatchUpPlan.Holder

    func testAHeadFarAheadOrHistoryFarBelowTheMajorityIsNotBelieved() {
        let honest = [Holder(peer: "a", first: 1001, head: 1100), Holder(peer: "b", first: 1001, head: 1102)]
        let liar = Holder(peer: "z", first: 950, head: 101_100)
        // A new node (no head): the median of the reported heads is the reference.
        let (capped, best, limit, followsMajority) = CredibleHeads.cap(honest + [liar], local: nil, maxSeqGap: 1000)
        XCTAssertFalse(followsMajority, "one liar ahead is not the majority")
        XCTAssertEqual(limit, 2102)
        XCTAssertEqual(best, 1102)
        XCTAssertEqual(capped.first { $0.peer == "z" }, Holder(peer: "z", first: 1001, head: 1102), "it may still serve what the others hold")
        XCTAssertEqual(capped.filter { $0.peer != "z" }, honest)
        // A node with a head judges against its own; when most peers are further ahead (here the
        // only one), it fetches up to maxSeqGap past its head now and the rest in later rounds.
        let alone = CredibleHeads.cap([liar], local: 1100, maxSeqGap: 1000)
        XCTAssertEqual(alone.best, 2100)
        XCTAssertEqual(alone.holders.first?.head, 2100)
        XCTAssertTrue(alone.followsMajority)
        XCTAssertFalse(CredibleHeads.cap([liar], local: 1100, maxSeqGap: 1000, followMajority: false).followsMajority)
        // A node far behind two honest peers (and a liar) goes up to its limit from them.
        let behind = CredibleHeads.cap(honest.map { Holder(peer: $0.peer, first: 1, head: $0.head + 5000) } + [liar], local: 1100, maxSeqGap: 1000)
        XCTAssertEqual(behind.best, 2100)
        // Heads within maxSeqGap are believed as they are; without thresholds nothing is capped.
        XCTAssertEqual(CredibleHeads.cap([Holder(peer: "a", first: 1, head: 1900)], local: 1100, maxSeqGap: 1000).best, 1900)
        XCTAssertEqual(CredibleHeads.cap(honest + [liar], local: nil, maxSeqGap: nil).best, 101_100)
    }
}
