import Core
import XCTest

/// A catch-up round's decisions and a range response's judgement, without sockets or a store.
final class CatchUpRoundTests: XCTestCase {
    let stream = CatchUpPlan.Stream(topic: "t", don: "d")

    func round(_ statuses: [CatchUpRound.Status], local: UInt64?, held: [UInt64] = [], gap: UInt64 = 100,
               followMajority: Bool = true) -> CatchUpRound {
        CatchUpRound(statuses: statuses, topics: ["t", "reg"], registryTopic: "reg", followMajority: followMajority,
                     maxSeqGap: { _ in gap }, localHead: { $0.topic == "t" ? local : nil },
                     heldSeqs: { stream, low, high in stream.topic == "t" ? held.filter { $0 >= low && $0 <= high } : [] })
    }

    func testWhatIsMissingFromWhomRegistryFirst() {
        let r = round([.init(peer: "a", topic: "t", don: "d", first: 1, head: 10),
                       .init(peer: "b", topic: "t", don: "d", first: 1, head: 12),
                       .init(peer: "a", topic: "reg", don: "d", first: 1, head: 2),
                       .init(peer: "a", topic: "other", don: "d", first: 1, head: 50)],
                      local: 5, held: [1, 2, 3, 4, 5])
        XCTAssertEqual(r.streams, 2, "unsubscribed topics are ignored")
        XCTAssertEqual(r.missing, 7 + 2, "6...12 of the reports, 1...2 of the registry")
        XCTAssertEqual(r.agreedHeads[stream], 10, "the lower median of the heads")
        var registry = r.plans[0], reports = r.plans[1]
        XCTAssertEqual(registry.next()?.stream.topic, "reg", "config updates first")
        XCTAssertEqual(reports.next()?.start, 6)
    }

    /// docs/RELIABILITY.md finding 1: one peer claiming a head far ahead is not believed, and
    /// does not move the head live reports are judged against.
    func testALiarsHeadIsNotBelieved() {
        let r = round([.init(peer: "honest1", topic: "t", don: "d", first: 1, head: 50),
                       .init(peer: "honest2", topic: "t", don: "d", first: 1, head: 50),
                       .init(peer: "liar", topic: "t", don: "d", first: 1, head: 5000)],
                      local: 40, held: Array(1...40))
        XCTAssertEqual(r.agreedHeads[stream], 50)
        XCTAssertEqual(r.missing, 10)
        XCTAssertTrue(r.notes.contains(.incredibleHead(stream, peer: "liar", head: 5000, limit: 140, best: 50)))
    }

    /// docs/RELIABILITY.md finding 7: a node far behind most peers fetches up to its credible
    /// limit and asks for another round, but only while no live report waits for validation.
    func testFarBehindTheMajorityFollowsItOnlyWithoutALiveBacklog() {
        let peers = ["a", "b", "c"].map { CatchUpRound.Status(peer: $0, topic: "t", don: "d", first: 1, head: 10_000) }
        let follow = round(peers, local: 100, held: Array(1...100))
        XCTAssertTrue(follow.behindMajority)
        XCTAssertEqual(follow.missing, 100, "101...200: up to the limit, the rest in the next rounds")
        let wait = round(peers, local: 100, held: Array(1...100), followMajority: false)
        XCTAssertFalse(wait.behindMajority)
        XCTAssertEqual(wait.missing, 0, "nothing credible to fetch while reports wait for validation")
    }

    func testARangeResponseIsJudgedRecordByRecord() {
        let records = (1...5).map { RangeJudgement.Record(seq: UInt64($0), messageID: "m\($0)", data: [UInt8($0)]) }
        let checks: [SyncCheck] = [.accept(digest: [1]), .accept(digest: [2]), .accept(digest: [3]), .ignore("validator said IGNORE"),
                                   .forged(code: "sync_forged_record", detail: "bad_signature: signer 0")]
        var j = RangeJudgement(records: records, checks: checks, storedDigests: { seq in
            switch seq {
            case 1: [[1]]  // held already
            case 2: [[9]]  // another report held for this seq
            default: []
            }
        })
        XCTAssertEqual(j.keep.map(\.record.seq), [2, 3])
        XCTAssertEqual(j.keep.map(\.equivocation), [true, false], "a second report for a held seq is evidence, not accepted")
        XCTAssertEqual(j.covered, SeqRanges([1...1]))
        XCTAssertEqual(j.lacking, SeqRanges([4...5]))
        XCTAssertEqual(j.evidence?.seq, 5)
        XCTAssertEqual(j.evidence?.reason, "sync_forged_record: bad_signature")
        XCTAssertEqual(j.evidence?.messageID, MessageIDFunction.contentHash(of: [5]), "the id of what was actually sent")
        XCTAssertEqual(j.penalty?.code, "sync_forged_record")
        j.appended(3)
        XCTAssertEqual(j.covered, SeqRanges([1...1, 3...3]))
    }
}
