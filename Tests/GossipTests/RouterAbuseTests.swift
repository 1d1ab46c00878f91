import Foundation
import Core
import Gossip
import TestSupport
import Wire
import XCTest

/// Bad input from peers: each is answered within limits or ignored, the router keeps working,
/// and the offender's score drops.
final class RouterAbuseTests: XCTestCase {
    /// Two routers in one mesh on topic "t"; the first is the offender.
    func pair(config: GossipsubConfig = GossipsubConfig()) -> (RouterNetwork, offender: String, victim: String) {
        var net = RouterNetwork(count: 2, config: config)
        net.connect(net.names[0], net.names[1])
        net.subscribeAll("t")
        net.heartbeat(1)
        return (net, net.names[0], net.names[1])
    }

    /// The router still delivers and forwards after the abuse: a third router hears the victim.
    func assertStillWorks(_ net: inout RouterNetwork, _ victim: String, file: StaticString = #filePath, line: UInt = #line) {
        let (id, actions) = net.routers[victim]!.publish("t", data: Array("still working \(net.clock.now.nanoseconds)".utf8), now: net.clock.now)
        XCTAssertTrue(actions.contains { if case .deliver(let d, _, _) = $0 { return d == id }; return false }, file: file, line: line)
    }

    func testInvalidSenderIsGraylistedAndIgnored() {
        var net = RouterNetwork(count: 4)
        net.connectAll()
        net.subscribeAll("t")
        net.heartbeat(2)
        let bad = net.names[0], victim = net.names[1]
        for i in 0..<12 { _ = net.publish(bad, "t", Array("bad \(i)".utf8)) }
        net.run()
        let score = net.score(of: bad, at: victim)
        XCTAssertLessThan(score, GossipsubConfig().thresholds.graylistThreshold, "score \(score)")
        XCTAssertTrue(net.penalized(bad, by: victim, "bad_signature"))
        // Now even valid messages from it are ignored (every peer saw its invalid ones).
        let id = net.publish(bad, "t", Array("a good one".utf8))
        net.run()
        XCTAssertEqual(net.received(id), [bad], "only its own local delivery")
        net.heartbeat(1)
        XCTAssertFalse(net.mesh(victim).contains(bad), "dropped from the mesh at the heartbeat")
    }

    func testGraftDuringBackoffIsPenalizedAndPruned() {
        var (net, a, b) = pair()
        // a prunes b (both sides back off for 60 s), then grafts again at once, and again later.
        net.inject(RPCs.prune("t"), from: a, to: b)
        let mark = net.sent.count
        net.inject(RPCs.graft("t"), from: a, to: b)
        XCTAssertTrue(net.penalized(a, by: b, "graft_flood"), "GRAFT right after PRUNE")
        XCTAssertEqual(net.rpcs(from: b, to: a, since: mark).flatMap(\.prunes), ["t"], "answered with PRUNE")
        XCTAssertFalse(net.mesh(b).contains(a))
        net.clock.advance(.seconds(20))
        net.inject(RPCs.graft("t"), from: a, to: b)
        XCTAssertTrue(net.penalized(a, by: b, "graft_during_backoff"))
        XCTAssertLessThan(net.score(of: a, at: b), 0, "three behaviour penalties, squared")
        assertStillWorks(&net, b)
    }

    func testGraftForAnUnknownTopicIsIgnoredAndPenalized() {
        var (net, a, b) = pair()
        let mark = net.sent.count
        net.inject(RPCs.graft("never-announced"), from: a, to: b)
        XCTAssertTrue(net.penalized(a, by: b, "graft_unknown_topic"))
        XCTAssertEqual(net.rpcs(from: b, to: a, since: mark).count, 0, "no PRUNE: nothing leaks about our peers")
        XCTAssertNil(net.routers[b]!.mesh["never-announced"])
        XCTAssertLessThan(net.score(of: a, at: b), 0)
        // A GRAFT racing our unsubscribe is not misbehaviour.
        _ = net.routers[b]!.subscribe("u", now: net.clock.now)
        _ = net.routers[b]!.unsubscribe("u", now: net.clock.now)
        let penalties = net.penalties.count
        net.inject(RPCs.graft("u"), from: a, to: b)
        XCTAssertEqual(net.penalties.count, penalties)
        assertStillWorks(&net, b)
    }

    func testSubscriptionSpamPastTheFilterIsIgnored() {
        var config = GossipsubConfig()
        config.subscriptionFilter = SubscriptionFilter(allowedTopics: ["t"], allowedPrefixes: ["don/"])
        config.subscriptionFilter.maxTopicsPerPeer = 5
        var (net, a, b) = pair(config: config)
        // Not allowed: dropped silently. Allowed prefix: noted.
        net.inject(RPCs.subscribe(["elsewhere", "don/1"]), from: a, to: b)
        XCTAssertEqual(net.routers[b]!.peers(in: "elsewhere"), [])
        XCTAssertEqual(net.routers[b]!.peers(in: "don/1"), [a])
        XCTAssertTrue(net.penalties.isEmpty)
        // Too many in one RPC: the whole RPC is ignored and penalized.
        net.inject(RPCs.subscribe((0..<101).map { "don/x\($0)" }), from: a, to: b)
        XCTAssertTrue(net.penalized(a, by: b, "subscription_spam: 101 subscriptions"))
        XCTAssertEqual(net.routers[b]!.peers(in: "don/x0"), [])
        // Past the per-peer topic limit (t and don/1 already): ignored and penalized.
        net.inject(RPCs.subscribe(["don/2", "don/3", "don/4", "don/5"]), from: a, to: b)
        XCTAssertTrue(net.penalized(a, by: b, "subscription_spam: more than 5 topics"))
        XCTAssertEqual(net.routers[b]!.peers(in: "don/2"), [])
        XCTAssertLessThan(net.score(of: a, at: b), 0)
        assertStillWorks(&net, b)
    }

    func testAPeerRepeatingTheSameMessageIsPenalized() {
        var (net, a, b) = pair()
        let m = RPCs.message("t", Array("once is enough".utf8))
        for _ in 0..<10 { net.inject(RPCs.publish(m), from: a, to: b) }
        XCTAssertEqual(net.delivered[b]?.count, 1, "delivered once")
        XCTAssertEqual(net.penalties.filter { $0.reason.hasPrefix("repeated_message") }.count, 1, "one history line")
        // 1 first + 3 tolerated (IWANT answers) + 3 penalized: -10 * 3^2 is below the graylist
        // (-80), so the last 3 copies are not even read.
        XCTAssertEqual(net.routers[b]!.score.breakdown(a, now: net.clock.now).behaviour, -90)
        XCTAssertLessThan(net.score(of: a, at: b), GossipsubConfig().thresholds.graylistThreshold)
        assertStillWorks(&net, b)
    }

    func testIWantFloodsAreAnsweredWithinLimits() {
        var config = GossipsubConfig()
        config.maxIHaveLength = 10
        var (net, a, b) = pair(config: config)
        let ids = (0..<30).map { net.publish(b, "t", Array("m\($0)".utf8)) }
        // The same id over and over: served gossipRetransmission (3) times.
        var mark = net.sent.count
        for _ in 0..<4 { net.inject(RPCs.iwant([ids[0]]), from: a, to: b) }
        XCTAssertEqual(net.rpcs(from: b, to: a, since: mark).flatMap(\.publish).count, 3)
        XCTAssertTrue(net.penalized(a, by: b, "iwant_flood"))
        // Many ids: at most maxIHaveLength messages per heartbeat (3 already served).
        net.heartbeat(1)
        mark = net.sent.count
        net.inject(RPCs.iwant(Array(ids[1...])), from: a, to: b)
        XCTAssertEqual(net.rpcs(from: b, to: a, since: mark).flatMap(\.publish).count, 10)
        XCTAssertLessThan(net.score(of: a, at: b), 0)
        assertStillWorks(&net, b)
    }

    func testIHaveFloodsAreCappedAndBrokenPromisesPenalized() {
        var (net, a, b) = pair()
        let mark = net.sent.count
        // 20 IHAVEs of 1000 made-up ids each in one heartbeat.
        for i in 0..<20 {
            let fake = (0..<1000).map { j in Array("fake-\(i)-\(j)".utf8) }
            net.inject(RPCs.ihave("t", fake), from: a, to: b)
        }
        let asked = net.rpcs(from: b, to: a, since: mark).flatMap { $0.control.iwant.flatMap(\.messageIds) }
        XCTAssertEqual(asked.count, 5000, "maxIHaveLength ids asked per heartbeat, from the first 10 IHAVEs only")
        XCTAssertTrue(net.penalized(a, by: b, "ihave_flood"))
        XCTAssertEqual(net.routers[b]!.openPromises, 5, "one promise per IWANT")
        let before = net.score(of: a, at: b)
        net.clock.advance(.seconds(4))  // past the 3 s follow-up
        net.handle(b, net.routers[b]!.heartbeat(now: net.clock.now))
        XCTAssertTrue(net.penalized(a, by: b, "broken_promise: 5"))
        XCTAssertLessThan(net.score(of: a, at: b), before)
        XCTAssertEqual(net.routers[b]!.openPromises, 0)
        assertStillWorks(&net, b)
    }

    func testAPeerThatDisconnectsOwesNoPromise() {
        var (net, a, b) = pair()
        net.inject(RPCs.ihave("t", [Array("gone-1".utf8)]), from: a, to: b)
        XCTAssertEqual(net.routers[b]!.openPromises, 1)
        // a crashes before answering the IWANT.
        net.routers[b]!.removePeer(a, now: net.clock.now)
        XCTAssertEqual(net.routers[b]!.openPromises, 0)
        net.clock.advance(.seconds(4))
        net.handle(b, net.routers[b]!.heartbeat(now: net.clock.now))
        XCTAssertFalse(net.penalties.contains { $0.reason.hasPrefix("broken_promise") })
    }

    func testAKeptPromiseIsNotPenalized() {
        var config = GossipsubConfig()
        config.floodPublish = false
        var net = RouterNetwork(count: 3, config: config)
        let (a, b, c) = (net.names[0], net.names[1], net.names[2])
        net.connect(a, b)
        net.connect(b, c)
        net.subscribeAll("t")
        net.heartbeat(1)
        net.cut = [c]
        let id = net.publish(a, "t", Array("x".utf8))
        net.run()
        net.cut = []
        XCTAssertFalse(net.received(id).contains(c))
        net.inject(RPCs.ihave("t", [id]), from: b, to: c)
        net.run()
        XCTAssertTrue(net.received(id).contains(c))
        net.heartbeat(5)
        XCTAssertFalse(net.penalties.contains { $0.reason.hasPrefix("broken_promise") })
    }

    func testMessagesViolatingStrictNoSignAreRejected() {
        var (net, a, b) = pair()
        var m = RPCs.message("t", Array("signed".utf8))
        m.seqno = Data([0, 0, 0, 1])
        net.inject(RPCs.publish(m), from: a, to: b)
        XCTAssertTrue(net.penalized(a, by: b, "signing_policy"))
        XCTAssertNil(net.delivered[b])
    }

    func testBlacklistedPeersAreNotHeard() {
        var (net, a, b) = pair()
        net.routers[b]!.blacklist(a, now: net.clock.now)
        XCTAssertFalse(net.mesh(b).contains(a))
        net.inject(RPCs.publish(RPCs.message("t", Array("hello".utf8))), from: a, to: b)
        XCTAssertNil(net.delivered[b])
        XCTAssertEqual(net.routers[b]!.addPeer(a, protocol: .meshsub12, outbound: false).count, 0, "not taken back on reconnect")
        net.inject(RPCs.graft("t"), from: a, to: b)
        XCTAssertFalse(net.mesh(b).contains(a))
    }

    func testIDontWantSuppressesADuplicateOfALargeMessage() {
        var net = RouterNetwork(count: 3)
        let (a, b, c) = (net.names[0], net.names[1], net.names[2])
        for (x, y) in [(a, b), (b, c), (a, c)] { net.connect(x, y) }
        net.subscribeAll("t")
        net.heartbeat(1)
        let m = RPCs.message("t", [UInt8](repeating: 7, count: 4096))
        // b receives the message from a and, before validating, tells c it does not want it.
        let actions = net.routers[b]!.handleRPC(from: a, RPCs.publish(m), now: net.clock.now)
        let toC = actions.compactMap { action -> GossipsubRouter.RPC? in
            if case .send(let to, let r) = action, to == c { return r }
            return nil
        }
        XCTAssertEqual(toC.first?.control.idontwant.first?.messageIds.count, 1)
        // c, told so, does not forward that id to b.
        net.inject(toC[0], from: b, to: c)
        let mark = net.sent.count
        net.inject(RPCs.publish(m), from: a, to: c)
        XCTAssertTrue(net.received(net.routers[c]!.config.messageIDFunction.id(m)).contains(c))
        XCTAssertTrue(net.rpcs(from: c, to: b, since: mark).flatMap(\.publish).isEmpty,
                      "c did not send b the message it said it does not want")
    }
}
