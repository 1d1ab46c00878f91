import Core
import TestSupport
import XCTest

/// Publishing, timers, bad frames, peers leaving and graylisted peers.
final class NodeCorePeerTests: XCTestCase {
    typealias F = NodeCoreFixture

    /// Our own publish goes out at once, and reaches local listeners once stored, with its offset.
    func testAPublishIsSentThenStoredThenDeliveredWithItsOffset() throws {
        var f = F()
        let out = f.handle(.publish(topic: "t", data: Array("mine".utf8)))
        guard case .published(let id, "t")? = out.first else { return XCTFail("no id for the API: \(out)") }
        XCTAssertEqual(Set(F.forwards(out)), [f.b, f.c], "flood publish to every subscriber")
        XCTAssertTrue(F.deliveries(out).isEmpty, "not before it is stored")
        let local = try XCTUnwrap(F.appends(out).first)
        XCTAssertTrue(local.local)
        XCTAssertEqual(local.message.from, "local")
        XCTAssertEqual(local.storedReason, "published")
        let after = f.handle(.appended(id: id, local: true, .appended(offset: 9), stored: .accept))
        XCTAssertEqual(F.deliveries(after).map(\.1), [9])
    }

    func testTheHeartbeatRearmsItself() {
        var f = F()
        XCTAssertEqual(F.timers(f.handle(.start)), [.heartbeat])
        f.clock.advance(.seconds(1))
        let out = f.handle(.timerFired(.heartbeat))
        XCTAssertEqual(F.timers(out), [.heartbeat])
    }

    func testBadFramesCostTheSenderAndAreRecorded() {
        var f = F()
        XCTAssertEqual(F.penalties(f.handle(.badFrame(from: f.b, .oversize("frame of 2000000 bytes")))), ["oversize_rpc: frame of 2000000 bytes"])
        XCTAssertEqual(F.penalties(f.handle(.badFrame(from: f.b, .notProtobuf))), ["malformed_rpc: not a pubsub RPC protobuf"])
        XCTAssertEqual(f.core.stats.oversizeRPCs, 1)
        XCTAssertEqual(f.core.stats.malformedRPCs, 1)
    }

    /// docs/RELIABILITY.md finding 4: a peer that disconnects owes no IWANT promise (churn
    /// penalized a crashed honest peer with `broken_promise`).
    func testAPeerThatGoesAwayOwesNoPromise() {
        var f = F()
        f.handle(.rpc(from: f.b, RPCs.ihave("t", [[9, 9, 9]])))
        f.handle(.peerDown(f.b))
        for _ in 0..<5 { f.heartbeat() }
        XCTAssertFalse(F.penalties(f.actions).contains { $0.hasPrefix("broken_promise") })
    }

    /// docs/RELIABILITY.md finding 5: with `graylistRefusal`, a peer below graylist is refused
    /// (it stays off by default: redial handshakes cost more than reading).
    func testAGraylistedPeerIsRefusedOnlyWhenConfigured() {
        for refusal in [nil, Duration.seconds(60)] {
            var gossip = GossipsubConfig()
            gossip.graylistRefusal = refusal
            var f = F(gossip: gossip)
            for _ in 0..<200 { f.handle(.badFrame(from: f.b, .notProtobuf)) }
            f.heartbeat()
            let refused = f.actions.compactMap { if case .refuse(let peer, _, _) = $0 { peer } else { nil } }
            XCTAssertEqual(refused, refusal == nil ? [] : [f.b])
        }
    }
}
