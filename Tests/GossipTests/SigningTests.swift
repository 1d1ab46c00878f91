import Foundation
import Core
import Gossip
import Wire
import XCTest

final class SigningTests: XCTestCase {
    func testSignedMessagesVerifyAndTamperingIsCaught() {
        let key = PrivateKey.generate()
        var m = P2pmq_Libp2p_Pubsub_Message()
        m.topic = "t"
        m.data = Data("hello".utf8)
        m.seqno = Data([0, 0, 0, 0, 0, 0, 0, 1])
        MessageSigning.sign(&m, with: key)
        XCTAssertNil(MessageSigning.verify(m))
        XCTAssertEqual(Array(m.from), key.peerID.bytes)
        XCTAssertFalse(m.hasKey, "Ed25519 keys are inlined in the peer id")
        var tampered = m
        tampered.data = Data("hellO".utf8)
        XCTAssertEqual(MessageSigning.verify(tampered), "bad_message_signature")
        var impostor = m
        impostor.from = Data(PrivateKey.generate().peerID.bytes)
        XCTAssertNotNil(MessageSigning.verify(impostor))
        var unsigned = m
        unsigned.clearSignature()
        XCTAssertNotNil(SignPolicy.strictSign.violation(unsigned))
        XCTAssertNotNil(SignPolicy.strictNoSign.violation(m))
    }

    func testStrictSignRoutersExchangeSignedMessages() {
        var config = GossipsubConfig()
        config.signPolicy = .strictSign
        config.messageIDFunction = .fromAndSeqno
        let ka = PrivateKey.generate(), kb = PrivateKey.generate()
        let a = ka.peerID.description, b = kb.peerID.description
        var ra = GossipsubRouter(localPeer: a, config: config, identity: ka)
        var scoring = PeerScoreParams()
        scoring.defaultTopic = TopicScoreParams()
        var rb = GossipsubRouter(localPeer: b, config: config, scoreParams: scoring, identity: kb)
        let now = ManualClock().now
        _ = ra.addPeer(b, protocol: .meshsub11, outbound: true)
        _ = rb.addPeer(a, protocol: .meshsub11, outbound: false)
        var sub = GossipsubRouter.RPC()
        var s = GossipsubRouter.RPC.SubOpts()
        s.topicid = "t"
        s.subscribe = true
        sub.subscriptions = [s]
        _ = ra.handleRPC(from: b, sub, now: now)
        _ = ra.subscribe("t", now: now)
        _ = rb.subscribe("t", now: now)
        let (_, actions) = ra.publish("t", data: Array("signed report".utf8), now: now)
        guard case .send(_, let rpc)? = actions.first(where: { if case .send = $0 { return true }; return false }) else {
            return XCTFail("nothing sent")
        }
        XCTAssertTrue(rpc.publish[0].hasSignature)
        let received = rb.handleRPC(from: a, rpc, now: now)
        XCTAssertTrue(received.contains { if case .validate = $0 { return true }; return false }, "a valid signed message goes to validation")

        // Under StrictSign, an unsigned message and one with a forged signature are rejected
        // before validation, and cost the forwarding peer P4.
        func validates(_ actions: [GossipsubRouter.Action]) -> Bool { actions.contains { if case .validate = $0 { return true }; return false } }
        func reason(_ actions: [GossipsubRouter.Action]) -> String? {
            actions.lazy.compactMap { if case .penalize(_, _, let r) = $0 { return r }; return nil }.first
        }
        var unsigned = GossipsubRouter.Message()
        unsigned.topic = "t"
        unsigned.data = Data("no author".utf8)
        var bare = GossipsubRouter.RPC()
        bare.publish = [unsigned]
        let r1 = rb.handleRPC(from: a, bare, now: now)
        XCTAssertFalse(validates(r1))
        XCTAssertNotNil(reason(r1))
        var forged = rpc
        forged.publish[0].data = Data("tampered report".utf8)
        forged.publish[0].seqno = Data([0, 0, 0, 0, 0, 0, 0, 9])  // a new id, so not a duplicate
        let r2 = rb.handleRPC(from: a, forged, now: now)
        XCTAssertFalse(validates(r2))
        XCTAssertEqual(reason(r2), "bad_message_signature")
        XCTAssertLessThan(rb.score.score(a, now: now), 0)
    }
}
