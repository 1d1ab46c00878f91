import Foundation
import Gossip
import Wire
import XCTest

final class RouterTests: XCTestCase {
    func testMeshesConvergeAndEveryoneReceives() {
        var net = RouterNetwork(count: 20)
        net.connectRandomly(degree: 8)
        net.subscribeAll("t")
        net.heartbeat(5)
        for n in net.names {
            let size = net.routers[n]!.mesh["t"]?.count ?? 0
            XCTAssertTrue((5...12).contains(size), "mesh of \(n.prefix(12)) has \(size) peers")
        }
        for (i, from) in net.names.prefix(5).enumerated() {
            let id = net.publish(from, "t", Array("report \(i)".utf8))
            net.run()
            XCTAssertEqual(net.received(id).count, 20, "message \(i) reached everyone")
        }
    }

    func testGossipRepairsWhatAPartitionMissed() {
        var config = GossipsubConfig()
        config.floodPublish = false
        var net = RouterNetwork(count: 20, config: config)
        net.connectRandomly(degree: 8)
        net.subscribeAll("t")
        net.heartbeat(3)
        let isolated = net.names[19]
        net.cut = [isolated]
        let id = net.publish(net.names[0], "t", Array("during the partition".utf8))
        net.run()
        XCTAssertEqual(net.received(id).count, 19)
        net.cut = []
        net.heartbeat(2)  // IHAVE from the mcache, IWANT back
        XCTAssertTrue(net.received(id).contains(isolated), "gossip delivered the missed message after healing")
    }

    func testInvalidSenderIsGraylistedAndIgnored() {
        var net = RouterNetwork(count: 4)
        for a in net.names { for b in net.names { net.connect(a, b) } }
        net.subscribeAll("t")
        net.heartbeat(2)
        let bad = net.names[0], victim = net.names[1]
        for i in 0..<12 { _ = net.publish(bad, "t", Array("bad \(i)".utf8)) }
        net.run()
        let score = net.routers[victim]!.score.score(bad, now: net.clock.now)
        XCTAssertLessThan(score, GossipsubConfig().thresholds.graylistThreshold, "score \(score)")
        XCTAssertTrue(net.penalties.contains { $0.peer == bad && $0.reason == "bad_signature" })
        // Now even valid messages from it are ignored (every peer saw its invalid ones).
        let id = net.publish(bad, "t", Array("a good one".utf8))
        net.run()
        XCTAssertEqual(net.received(id), [bad], "only its own local delivery")
        net.heartbeat(1)
        XCTAssertFalse(net.routers[victim]!.mesh["t"]?.contains(bad) ?? false, "dropped from the mesh at the heartbeat")
    }

    func testGraftDuringBackoffIsPenalized() {
        var net = RouterNetwork(count: 2)
        let a = net.names[0], b = net.names[1]
        net.connect(a, b)
        net.subscribeAll("t")
        // b prunes a (backoff 60 s on both sides), then a grafts again at once.
        var prune = GossipsubRouter.RPC()
        var p = P2pmq_Libp2p_Pubsub_ControlPrune()
        p.topicID = "t"
        p.backoff = 60
        prune.control.prune = [p]
        net.handle(a, net.routers[a]!.handleRPC(from: b, prune, now: net.clock.now))
        var graft = GossipsubRouter.RPC()
        var g = P2pmq_Libp2p_Pubsub_ControlGraft()
        g.topicID = "t"
        graft.control.graft = [g]
        // a's side recorded the backoff; simulate b receiving a GRAFT while it is backed off.
        net.handle(b, net.routers[b]!.handleRPC(from: a, prune, now: net.clock.now))
        net.handle(b, net.routers[b]!.handleRPC(from: a, graft, now: net.clock.now))
        XCTAssertTrue(net.penalties.contains { $0.peer == a && $0.reason == "graft_during_backoff" })
        XCTAssertFalse(net.routers[b]!.mesh["t"]?.contains(a) ?? false)
    }

    func testIDontWantSuppressesADuplicateOfALargeMessage() {
        var net = RouterNetwork(count: 3)
        let (a, b, c) = (net.names[0], net.names[1], net.names[2])
        for (x, y) in [(a, b), (b, c), (a, c)] { net.connect(x, y) }
        net.subscribeAll("t")
        net.heartbeat(1)
        let big = [UInt8](repeating: 7, count: 4096)
        // b receives the message from a and, before validating, tells c it does not want it.
        var rpc = GossipsubRouter.RPC()
        var m = P2pmq_Libp2p_Pubsub_Message()
        m.topic = "t"
        m.data = Data(big)
        rpc.publish = [m]
        let actions = net.routers[b]!.handleRPC(from: a, rpc, now: net.clock.now)
        let toC = actions.compactMap { action -> GossipsubRouter.RPC? in
            if case .send(let to, let r) = action, to == c { return r }
            return nil
        }
        XCTAssertEqual(toC.first?.control.idontwant.first?.messageIds.count, 1)
        // c, told so, does not forward that id to b.
        net.handle(c, net.routers[c]!.handleRPC(from: b, toC[0], now: net.clock.now))
        var copy = GossipsubRouter.RPC()
        copy.publish = [m]
        let forwarded = net.routers[c]!.handleRPC(from: a, copy, now: net.clock.now).flatMap { action -> [GossipsubRouter.Action] in
            if case .validate(let id, _, _) = action { return net.routers[c]!.validationResult(id, .accept, now: net.clock.now) }
            return []
        }
        let toB = forwarded.contains { if case .send(let to, let r) = $0, to == b, !r.publish.isEmpty { return true }; return false }
        XCTAssertFalse(toB, "c did not send b the message it said it does not want")
    }

    func testMessagesViolatingStrictNoSignAreRejected() {
        var net = RouterNetwork(count: 2)
        let (a, b) = (net.names[0], net.names[1])
        net.connect(a, b)
        net.subscribeAll("t")
        var rpc = GossipsubRouter.RPC()
        var m = P2pmq_Libp2p_Pubsub_Message()
        m.topic = "t"
        m.data = Data("signed".utf8)
        m.seqno = Data([0, 0, 0, 1])
        rpc.publish = [m]
        let actions = net.routers[b]!.handleRPC(from: a, rpc, now: net.clock.now)
        XCTAssertTrue(actions.contains { if case .penalize(let p, _, let r) = $0 { return p == a && r.hasPrefix("signing_policy") }; return false })
        XCTAssertFalse(actions.contains { if case .validate = $0 { return true }; return false })
    }
}
