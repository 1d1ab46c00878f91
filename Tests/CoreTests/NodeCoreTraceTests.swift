import Core
import TestSupport
import XCTest

/// go-libp2p-pubsub's trace events as the core hands them out (`Options.tracing`): each event of
/// the node, and the reasons Go's tracer gives.
final class NodeCoreTraceTests: XCTestCase {
    typealias F = NodeCoreFixture

    static func traced(_ actions: [NodeAction]) -> [TraceEvent] {
        actions.compactMap { if case .trace(let e) = $0 { e } else { nil } }
    }

    static func kinds(_ actions: [NodeAction]) -> [TraceEvent.Kind] { traced(actions).map(\.kind) }

    static var tracing: NodeCore.Options {
        var o = NodeCore.Options()
        o.tracing = true
        return o
    }

    func testNothingIsTracedUnlessAskedFor() {
        var f = F()
        let id = f.receive("x", from: f.b)
        f.handle(.verdict(id: id, .accept, reason: nil))
        f.handle(.appended(id: id, local: false, .appended(offset: 0), stored: .accept))
        f.heartbeat()
        XCTAssertTrue(Self.traced(f.actions).isEmpty)
    }

    /// Start-up: JOIN for the topic, ADD_PEER and GRAFT per peer, SEND_RPC and RECV_RPC.
    func testJoinPeersAndMeshAreTraced() {
        var f = F(options: Self.tracing)
        f.actions = []
        // The fixture's set-up ran before `actions` was cleared: trace a fresh node by hand.
        var core = NodeCore(localPeer: F.names[0], options: Self.tracing)
        var out = core.handle(.subscribe("t"), at: f.clock.now)
        XCTAssertEqual(Self.traced(out), [TraceEvent(.join, topic: "t")])
        out = core.handle(.peerUp(f.b, .meshsub12, outbound: true, ip: nil), at: f.clock.now)
        XCTAssertEqual(Self.kinds(out), [.addPeer, .sendRPC])
        XCTAssertEqual(Self.traced(out).first?.proto, "/meshsub/1.2.0")
        XCTAssertEqual(Self.traced(out).last?.rpc?.subscriptions.map(\.topicid), ["t"])
        out = core.handle(.rpc(from: f.b, RPCs.subscribe(["t"])), at: f.clock.now)
        XCTAssertEqual(Self.kinds(out), [.recvRPC])
        f.clock.advance(.seconds(1))
        out = core.handle(.timerFired(.heartbeat), at: f.clock.now)
        XCTAssertEqual(Self.traced(out).filter { $0.kind == .graft }, [TraceEvent(.graft, peer: f.b, topic: "t")])
        XCTAssertTrue(Self.kinds(out).contains(.sendRPC), "the GRAFT goes out")
        out = core.handle(.unsubscribe("t"), at: f.clock.now)
        XCTAssertEqual(Self.kinds(out).prefix(2), [.leave, .prune])
        out = core.handle(.peerDown(f.b), at: f.clock.now)
        XCTAssertEqual(Self.traced(out), [TraceEvent(.removePeer, peer: f.b)])
    }

    /// A message: RECV_RPC with its id, DUPLICATE_MESSAGE for the second copy, DELIVER_MESSAGE
    /// once stored, forwarded with SEND_RPC; REJECT_MESSAGE with Go's reasons.
    func testMessagesAndVerdictsAreTraced() {
        var f = F(options: Self.tracing)
        let id = f.receive("report", from: f.b)
        let recv = Self.traced(f.actions).first { $0.kind == .recvRPC }
        XCTAssertEqual(recv?.peer, f.b)
        XCTAssertEqual(recv?.rpc?.messages.map(\.id), [id])
        f.actions = []
        f.receive("report", from: f.c)
        XCTAssertEqual(Self.traced(f.actions).filter { $0.kind == .duplicateMessage }, [TraceEvent(.duplicateMessage, peer: f.c, messageID: id, topic: "t")])
        f.handle(.verdict(id: id, .accept, reason: nil))
        f.actions = []
        f.handle(.appended(id: id, local: false, .appended(offset: 0), stored: .accept))
        XCTAssertEqual(Self.traced(f.actions).filter { $0.kind == .deliverMessage }, [TraceEvent(.deliverMessage, peer: f.b, messageID: id, topic: "t")])
        XCTAssertTrue(Self.kinds(f.actions).contains(.sendRPC), "forwarded to c")

        let bad = f.receive("forged", from: f.c)
        f.handle(.verdict(id: bad, .reject(reason: "bad_signature"), reason: nil))
        f.actions = []
        f.handle(.appended(id: bad, local: false, .appended(offset: 1), stored: .reject(reason: "bad_signature")))
        XCTAssertEqual(Self.traced(f.actions).first { $0.kind == .rejectMessage }?.reason, "validation failed")
        let dull = f.receive("stale", from: f.c)
        f.handle(.verdict(id: dull, .ignore, reason: nil))
        f.actions = []
        f.handle(.appended(id: dull, local: false, .notKept, stored: .ignore))
        XCTAssertEqual(Self.traced(f.actions).first { $0.kind == .rejectMessage }?.reason, "validation ignored")
    }

    /// Our own publish: PUBLISH_MESSAGE at once, DELIVER_MESSAGE from ourselves once stored.
    func testPublishIsTraced() {
        var f = F(options: Self.tracing)
        f.actions = []
        let out = f.handle(.publish(topic: "t", data: [1, 2, 3]))
        guard case .published(let id, _)? = out.first else { return XCTFail("\(out)") }
        XCTAssertEqual(Self.traced(out).first, TraceEvent(.publishMessage, messageID: id, topic: "t"))
        let stored = f.handle(.appended(id: id, local: true, .appended(offset: 0), stored: .accept))
        XCTAssertEqual(Self.traced(stored), [TraceEvent(.deliverMessage, peer: f.me, messageID: id, topic: "t")])
    }

    /// The message ids of a topic with its own `msgIDFn` are that function's.
    func testATopicsOwnMessageIDFunction() {
        var gossip = GossipsubConfig()
        gossip.topicMessageIDFunctions["t"] = .hash(.md5, size: 6)
        var f = F(gossip: gossip)
        let out = f.handle(.publish(topic: "t", data: Array("hello".utf8)))
        guard case .published(let id, _)? = out.first else { return XCTFail("\(out)") }
        XCTAssertEqual(String(decoding: id, as: UTF8.self), "5d41402abc4b", "md5(hello), 6 bytes, hex")
        XCTAssertEqual(MessageIDFunction.hash(.sha256, size: 20).text(ofData: []), "", "empty data: the empty id, as the Go agent")
    }
}
