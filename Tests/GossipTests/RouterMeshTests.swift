import Foundation
import Core
import Gossip
import TestSupport
import Wire
import XCTest

/// Mesh behaviour of many routers on the in-memory network with a manual clock.
final class RouterMeshTests: XCTestCase {
    func testMeshesConvergeAndEveryoneReceives() {
        var net = RouterNetwork(count: 20)
        net.connectRandomly(degree: 8)
        net.subscribeAll("t")
        net.heartbeat(5)
        for n in net.names {
            let size = net.mesh(n).count
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
        var net = RouterNetwork(count: 24, config: config)
        net.connectRandomly(degree: 8)
        net.subscribeAll("t")
        net.heartbeat(3)
        let isolated = Set(net.names.suffix(4))
        net.cut = isolated
        let ids = (0..<3).map { i in net.publish(net.names[i], "t", Array("during the partition \(i)".utf8)) }
        net.run()
        for id in ids { XCTAssertEqual(Set(net.received(id)).intersection(isolated), [], "the cut nodes missed it") }
        net.cut = []
        net.heartbeat(2)  // IHAVE from the mcache, IWANT back
        for id in ids { XCTAssertEqual(net.received(id).count, 24, "gossip delivered the missed message after healing") }
    }

    func testPruneBackoffIsHonouredThenGraftResumes() {
        var net = RouterNetwork(count: 2)
        let (a, b) = (net.names[0], net.names[1])
        net.connect(a, b)
        net.subscribeAll("t")
        net.heartbeat(1)
        XCTAssertEqual(net.mesh(a), [b])
        net.inject(RPCs.prune("t", backoff: 30), from: b, to: a)
        XCTAssertEqual(net.mesh(a), [], "a left b's mesh on PRUNE")
        let mark = net.sent.count
        net.heartbeat(29)
        XCTAssertFalse(net.rpcs(from: a, to: b, since: mark).contains { !$0.grafts.isEmpty }, "no GRAFT during the 30 s backoff")
        net.heartbeat(2)
        XCTAssertTrue(net.rpcs(from: a, to: b, since: mark).contains { $0.grafts == ["t"] }, "GRAFT once the backoff ran out")
        XCTAssertEqual(net.mesh(a), [b])
    }

    /// A hub with a full mesh prunes an inbound GRAFT and offers other mesh members (PX); the
    /// pruned peer asks to dial them only if the hub scores at least acceptPXThreshold.
    func testPeerExchangeOnPrune() {
        var config = GossipsubConfig()
        (config.d, config.dLow, config.dHigh, config.dScore, config.dOut) = (2, 1, 3, 1, 0)
        var net = RouterNetwork(count: 6, config: config)
        let hub = net.names[0]
        for leaf in net.names.dropFirst() { net.connect(leaf, hub) }  // inbound at the hub
        net.subscribeAll("t")
        net.heartbeat(1)
        XCTAssertLessThanOrEqual(net.mesh(hub).count, 3)
        let pruned = net.sent.filter { $0.from == hub && !$0.rpc.prunes.isEmpty }
        XCTAssertFalse(pruned.isEmpty, "the hub pruned GRAFTs past Dhi")
        let px = pruned.flatMap { $0.rpc.control.prune.flatMap(\.peers) }
        XCTAssertFalse(px.isEmpty, "with peer exchange")
        XCTAssertTrue(net.dialRequests.isEmpty, "a hub with score 0 is below acceptPXThreshold (10): no dials")

        // Once the hub is trusted (application score), its PX is followed.
        let leaf = net.names[5], offered = net.names[1]
        net.routers[leaf]!.setApplicationScore(hub, 20)
        net.inject(RPCs.prune("t", px: [offered, hub, leaf]), from: hub, to: leaf)
        XCTAssertEqual(net.dialRequests[leaf], [offered], "a new peer is worth dialing; a connected one or ourselves is not")
    }

    func testFloodPublishReachesEverySubscriberNotOnlyTheMesh() {
        func fanout(_ flood: Bool) -> Int {
            var config = GossipsubConfig()
            config.floodPublish = flood
            var net = RouterNetwork(count: 17, config: config)
            for other in net.names.dropFirst() { net.connect(net.names[0], other) }
            net.subscribeAll("t")
            net.heartbeat(2)
            let mark = net.sent.count
            _ = net.publish(net.names[0], "t", Array("fresh".utf8))
            return net.sent[mark...].filter { $0.from == net.names[0] && !$0.rpc.publish.isEmpty }.count
        }
        XCTAssertEqual(fanout(true), 16, "flood publish: all 16 subscribers at once")
        XCTAssertLessThanOrEqual(fanout(false), 12, "without it: the mesh only")
    }

    func testDirectPeersGetEveryMessageAndStayOutOfTheMesh() {
        let (a, b) = (RouterNetwork.name(0), RouterNetwork.name(1))
        var config = GossipsubConfig()
        config.floodPublish = false
        var net = RouterNetwork(count: 8, config: config) { i, names, c in
            if i == 0 { c.directPeers = [names[1]] }
            if i == 1 { c.directPeers = [names[0]] }
        }
        XCTAssertEqual(net.routers[a]!.heartbeat(now: net.clock.now).compactMap { action -> [String]? in
            if case .connect(let ids) = action { return ids.map(\.description) }
            return nil
        }, [[b]], "a not-connected direct peer is asked for at the first heartbeat")
        net.connectAll()
        net.subscribeAll("t")
        net.heartbeat(3)
        XCTAssertFalse(net.mesh(a).contains(b))
        XCTAssertFalse(net.mesh(b).contains(a))
        let mark = net.sent.count
        let id = net.publish(net.names[5], "t", Array("to all".utf8))
        net.run()
        XCTAssertEqual(net.received(id).count, 8)
        XCTAssertTrue(net.rpcs(from: a, to: b, since: mark).contains { !$0.publish.isEmpty } || net.rpcs(from: b, to: a, since: mark).contains { !$0.publish.isEmpty },
                      "a direct peer forwards to the other even though neither has it in its mesh")
        // A GRAFT from a direct peer is answered with PRUNE, without penalty.
        let before = net.sent.count
        net.inject(RPCs.graft("t"), from: b, to: a)
        XCTAssertEqual(net.rpcs(from: a, to: b, since: before).flatMap(\.prunes), ["t"])
        XCTAssertFalse(net.penalties.contains { $0.peer == b })
    }

    func testOpportunisticGraftingBringsInBetterPeers() {
        // Only a runs: the others are scripted (subscriptions injected, nothing linked), so the
        // mesh is a's choice alone.
        var net = RouterNetwork(count: 16)
        let a = net.names[0]
        net.handle(a, net.routers[a]!.subscribe("t", now: net.clock.now))
        for other in net.names.dropFirst() {
            _ = net.routers[a]!.addPeer(other, protocol: .meshsub12, outbound: true)
            net.inject(RPCs.subscribe(["t"]), from: other, to: a)
        }
        net.heartbeat(1)
        let outside = Set(net.names.dropFirst()).subtracting(net.mesh(a)).sorted()
        XCTAssertGreaterThanOrEqual(outside.count, 3)
        for peer in outside.prefix(3) { net.routers[a]!.setApplicationScore(peer, 50) }
        net.heartbeat(58)
        XCTAssertEqual(net.mesh(a).intersection(outside.prefix(3)).count, 0, "nothing before the 60th heartbeat")
        net.heartbeat(1)
        XCTAssertEqual(net.mesh(a).intersection(outside.prefix(3)).count, 2, "opportunisticGraftPeers (2) better peers grafted")
    }

    func testPeersCrowdingOneIPStayOutOfTheMesh() {
        var score = RouterNetwork.defaultScore
        score.ipColocationFactorWeight = -20
        score.ipColocationFactorThreshold = 2
        var net = RouterNetwork(count: 9, scoreParams: score)
        let a = net.names[0]
        // Five peers from 10.0.0.9 (a sybil), three from their own addresses.
        for (i, other) in net.names.dropFirst().enumerated() {
            net.connect(a, other, ip: ("10.0.0.1", i < 5 ? "10.0.0.9" : "10.0.1.\(i)"))
        }
        net.subscribeAll("t")
        net.heartbeat(2)
        let sybils = Set(net.names[1...5])
        XCTAssertEqual(net.score(of: net.names[1], at: a), -20 * 9, "(5 - 2)^2 * -20")
        XCTAssertEqual(net.mesh(a).intersection(sybils), [], "negative P6 keeps them out")
        XCTAssertEqual(net.mesh(a), Set(net.names[6...8]))
    }

    func testScoreDecayLetsAPunishedPeerBackIn() {
        var net = RouterNetwork(count: 3)
        net.connectAll()
        net.subscribeAll("t")
        net.heartbeat(2)
        let (bad, judge) = (net.names[0], net.names[1])
        for i in 0..<12 { _ = net.publish(bad, "t", Array("bad \(i)".utf8)) }
        net.run()
        let low = net.score(of: bad, at: judge)
        XCTAssertLessThan(low, GossipsubConfig().thresholds.graylistThreshold)
        net.heartbeat(1)
        XCTAssertFalse(net.mesh(judge).contains(bad))
        // P4 decays by 0.3 a second: after a few heartbeats the peer is forgiven.
        var history = [low]
        for _ in 0..<6 {
            net.heartbeat(1)
            history.append(net.score(of: bad, at: judge))
        }
        XCTAssertEqual(history, history.sorted(), "the score only rises as it decays: \(history)")
        XCTAssertGreaterThanOrEqual(history.last!, 0)
        net.heartbeat(61)  // the PRUNE backoff runs out
        XCTAssertTrue(net.mesh(judge).contains(bad), "grafted again")
        let id = net.publish(bad, "t", Array("good now".utf8))
        net.run()
        XCTAssertEqual(net.received(id).count, 3)
    }
}
