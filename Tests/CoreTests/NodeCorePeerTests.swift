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

    /// Listeners are the core's: each delivery names the listeners whose topics it matches, and
    /// what range sync appends reaches them too.
    func testDeliveriesNameTheListenersThatWantThem() {
        var f = F()
        f.handle(.listenerAdded(id: 1, topics: ["t"]))
        f.handle(.listenerAdded(id: 2, topics: ["other"]))
        f.handle(.listenerAdded(id: 3, topics: []))
        let id = f.receive("report", from: f.b)
        f.handle(.verdict(id: id, .accept, reason: nil))
        let live = f.handle(.appended(id: id, local: false, .appended(offset: 4), stored: .accept))
        XCTAssertEqual(live.compactMap { if case .deliver(_, _, let to) = $0 { to } else { nil } }, [[UInt64(1), 3]])
        f.handle(.listenerRemoved(1))
        let synced = InboundMessage(id: [7], topic: "t", data: [7], from: f.c, arrivedAt: f.clock.now)
        let history = f.handle(.historyAppended(synced, offset: 5))
        XCTAssertEqual(history.compactMap { if case .deliver(_, let o, let to) = $0 { "\(o ?? 0) \(to)" } else { nil } }, ["5 [3]"])
        f.handle(.listenerRemoved(3))
        XCTAssertTrue(f.handle(.historyAppended(synced, offset: 6)).isEmpty, "nobody listens: nothing to deliver")
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
