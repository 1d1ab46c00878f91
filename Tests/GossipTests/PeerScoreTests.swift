import Core
import Gossip
import XCTest

final class PeerScoreTests: XCTestCase {
    var clock = ManualClock()

    func params(_ configure: (inout TopicScoreParams) -> Void = { _ in }) -> PeerScoreParams {
        var t = TopicScoreParams()
        configure(&t)
        var p = PeerScoreParams()
        p.topics["t"] = t
        return p
    }

    func testTimeInMeshAndFirstDeliveriesReward() {
        var score = PeerScore(params: params())
        score.addPeer("a")
        score.graft("a", topic: "t", now: clock.now)
        clock.advance(.seconds(100))
        XCTAssertEqual(score.score("a", now: clock.now), 0.01 * 100, accuracy: 1e-9)  // P1
        score.firstDelivery("a", topic: "t")
        score.firstDelivery("a", topic: "t")
        XCTAssertEqual(score.breakdown("a", now: clock.now).topics, 1.0 + 2.0, accuracy: 1e-9)  // + P2
        score.decay(now: clock.now)
        XCTAssertEqual(score.breakdown("a", now: clock.now).topics, 1.0 + 1.0, accuracy: 1e-9, "P2 halves each decay")
    }

    func testInvalidMessagesPushAPeerBelowTheGraylist() {
        var score = PeerScore(params: params())
        let thresholds = PeerScoreThresholds()
        score.addPeer("bad")
        for _ in 0..<10 { score.invalidDelivery("bad", topic: "t") }
        XCTAssertEqual(score.score("bad", now: clock.now), -100, accuracy: 1e-9)  // -(10^2)
        XCTAssertLessThan(score.score("bad", now: clock.now), thresholds.graylistThreshold)
        for _ in 0..<10 { score.decay(now: clock.now) }
        XCTAssertEqual(score.score("bad", now: clock.now), 0, "decays back to zero")
    }

    func testMeshDeliveryDeficitAfterActivationAndStickyFailurePenalty() {
        var score = PeerScore(params: params {
            $0.meshMessageDeliveriesWeight = -1
            $0.meshMessageDeliveriesThreshold = 4
            $0.meshMessageDeliveriesDecay = 1
            $0.meshFailurePenaltyWeight = -1
            $0.meshFailurePenaltyDecay = 1
            $0.timeInMeshWeight = 0
            $0.firstMessageDeliveriesDecay = 1
        })
        score.addPeer("lazy")
        score.graft("lazy", topic: "t", now: clock.now)
        score.firstDelivery("lazy", topic: "t")
        clock.advance(.seconds(2))
        score.decay(now: clock.now)
        XCTAssertEqual(score.breakdown("lazy", now: clock.now).topics, 1, "no deficit before activation")
        clock.advance(.seconds(4))
        score.decay(now: clock.now)
        XCTAssertEqual(score.breakdown("lazy", now: clock.now).topics, 1 - 9, accuracy: 1e-9, "deficit 3, squared")
        score.prune("lazy", topic: "t")
        XCTAssertEqual(score.breakdown("lazy", now: clock.now).topics, 1 - 9, accuracy: 1e-9, "P3b keeps the penalty after leaving the mesh")
    }

    func testBehaviourAppAndColocation() {
        var p = params()
        p.behaviourPenaltyWeight = -10
        p.behaviourPenaltyThreshold = 1
        p.ipColocationFactorWeight = -5
        p.ipColocationFactorThreshold = 2
        var score = PeerScore(params: p)
        for peer in ["x", "y", "z"] { score.addPeer(peer, ip: "10.0.0.1") }
        XCTAssertEqual(score.breakdown("x", now: clock.now).ipColocation, -5, "one peer over the threshold, squared")
        score.addPenalty("x", 3)
        XCTAssertEqual(score.breakdown("x", now: clock.now).behaviour, -40, "(3 - 1)^2 * -10")
        score.setAppScore("y", -7)
        XCTAssertEqual(score.breakdown("y", now: clock.now).appSpecific, -7)
    }

    func testScoresSurviveDisconnectUntilRetention() {
        var p = params()
        p.retainScore = .seconds(10)
        var score = PeerScore(params: p)
        score.addPeer("bad")
        score.invalidDelivery("bad", topic: "t")
        score.removePeer("bad", now: clock.now)
        clock.advance(.seconds(5))
        score.decay(now: clock.now)
        XCTAssertTrue(score.knows("bad"), "a quick reconnect does not whitewash the score")
        clock.advance(.seconds(6))
        score.decay(now: clock.now)
        XCTAssertFalse(score.knows("bad"))
    }

    func testThresholdOrderIsChecked() {
        var t = PeerScoreThresholds()
        XCTAssertNoThrow(try t.validate())
        t.publishThreshold = -100  // below graylist
        XCTAssertThrowsError(try t.validate())
    }
}
