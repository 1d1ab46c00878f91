import Core
import TestSupport
import XCTest

/// Token buckets per forwarding peer and for the node, on a manual clock: what is over a rate is
/// dropped unjudged and counted; only a peer's sustained excess costs it score.
final class InboundRateLimitTests: XCTestCase {
    typealias F = NodeCoreFixture

    func testBucketsRefillAtTheirRateUpToTheirBurst() {
        var limit = InboundRateLimit(.init(peerRate: 10, peerBurst: 5, globalRate: 0, globalBurst: 0, penaltyEvery: 3))
        var clock = ManualClock()
        let admitted = (0..<8).map { _ in limit.admit(peer: "p", now: clock.now) }
        XCTAssertEqual(Array(admitted.prefix(5)), [InboundRateLimit.Admission](repeating: .pass, count: 5), "a burst of 5")
        XCTAssertEqual(Array(admitted.suffix(3)), [.overPeer(penalize: false), .overPeer(penalize: false), .overPeer(penalize: true)],
                       "every 3rd drop is a penalty")
        XCTAssertEqual(limit.admit(peer: "q", now: clock.now), .pass, "another peer has its own bucket")
        clock.advance(.milliseconds(200))
        XCTAssertEqual(limit.admit(peer: "p", now: clock.now), .pass, "2 tokens back after 200 ms at 10/s")
        XCTAssertEqual(limit.admit(peer: "p", now: clock.now), .pass)
        XCTAssertEqual(limit.admit(peer: "p", now: clock.now), .overPeer(penalize: false))
        clock.advance(.seconds(60))
        XCTAssertEqual((0..<6).map { _ in limit.admit(peer: "p", now: clock.now) }.filter { $0 == .pass }.count, 5, "refilled to the burst, no more")
    }

    func testTheGlobalBucketIsSharedAndCostsNoOne() {
        var limit = InboundRateLimit(.init(peerRate: 0, peerBurst: 0, globalRate: 1, globalBurst: 2))
        let now = ManualClock().now
        XCTAssertEqual(limit.admit(peer: "a", now: now), .pass)
        XCTAssertEqual(limit.admit(peer: "b", now: now), .pass)
        XCTAssertEqual(limit.admit(peer: "c", now: now), .overGlobal)
        var unlimited = InboundRateLimit(.none)
        XCTAssertEqual(unlimited.admit(peer: "a", now: now), .pass)
    }

    func testAFloodingPeerIsDroppedUnjudgedCountedAndPenalized() {
        var options = NodeCore.Options()
        options.rateLimits = .init(peerRate: 1, peerBurst: 2, globalRate: 0, globalBurst: 0, penaltyEvery: 2)
        var f = F(options: options)
        let before = f.core.router.score.score(f.b, now: f.clock.now)
        for i in 0..<6 { f.receive("flood \(i)", from: f.b) }
        XCTAssertEqual(F.validations(f.actions).count, 2, "the burst reaches the validator, the rest does not")
        let dropped = F.appends(f.actions)
        XCTAssertEqual(dropped.count, 4, "each drop is logged as IGNORE")
        XCTAssertTrue(dropped.allSatisfy { $0.verdict == .ignore && $0.dropped == .rateLimited })
        XCTAssertEqual(f.core.stats.droppedRateLimited, 4)
        XCTAssertEqual(f.core.stats.rateLimitPenalties, 2)
        XCTAssertEqual(F.penalties(f.actions).count, 2)
        XCTAssertTrue(F.penalties(f.actions).allSatisfy { $0.hasPrefix("rate_limited: ") }, "every penalty explained")
        // Beyond P7's threshold (6 penalties) the score falls below a quiet peer's, then below zero.
        for i in 0..<20 { f.receive("more flood \(i)", from: f.b) }
        // (Fewer than 12: once graylisted, the router drops the peer's RPCs before any validation.)
        XCTAssertGreaterThan(f.core.stats.rateLimitPenalties, 6)
        XCTAssertLessThan(f.core.router.score.score(f.b, now: f.clock.now), min(before, 0), "P7: sustained excess lowers the score")
        f.receive("from c", from: f.c)
        XCTAssertEqual(F.validations(f.actions).last?.from, f.c, "a quiet peer is not limited")
    }
}
