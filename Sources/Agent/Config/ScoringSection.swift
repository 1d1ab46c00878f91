import Foundation
import Core
import Gossip

/// `pubsub.scoring`, in the Go agent's shape: thresholds, per-topic P1-P4, topicScoreCap, P5
/// weight, P6 and P7. Weights of penalties must be negative, decays within (0, 1).
enum ScoringSection {
    static let base = ["weight", "decay", "cap", "quantum"]
    static let extended = ["weight", "decay", "cap", "threshold", "window", "activation"]

    static func read(_ n: ConfigNode, into c: inout AgentConfig) throws {
        let s = try n.fields(["skipAtomic", "thresholds", "topics", "topicScoreCap", "appSpecificScore", "ipColocationFactor", "behaviourPenalty"])
        if let v = s["thresholds"] {
            let t = try v.fields(["skipAtomic", "gossip", "publish", "graylist", "acceptPx", "opportunisticGraft"])
            if let x = t["gossip"] { c.gossip.thresholds.gossipThreshold = try x.double() }
            if let x = t["publish"] { c.gossip.thresholds.publishThreshold = try x.double() }
            if let x = t["graylist"] { c.gossip.thresholds.graylistThreshold = try x.double() }
            if let x = t["acceptPx"] { c.gossip.thresholds.acceptPXThreshold = try x.double() }
            if let x = t["opportunisticGraft"] { c.gossip.thresholds.opportunisticGraftThreshold = try x.double() }
            do { try c.gossip.thresholds.validate() } catch let error as GossipError { throw v.fail(error.message) }
        }
        if let v = s["topics"] {
            for (topic, node) in try v.entries() { c.scoring.topics[topic] = try self.topic(node) }
        }
        if let v = s["topicScoreCap"] { c.scoring.topicScoreCap = try nonNegative(v) }
        if let v = s["appSpecificScore"] {
            let a = try v.fields(["weight"])
            if let w = a["weight"] { c.scoring.appSpecificWeight = try nonNegative(w) }
        }
        if let v = s["ipColocationFactor"] {
            let i = try v.fields(["weight", "threshold", "whitelist"])
            if let w = i["weight"] { c.scoring.ipColocationFactorWeight = try nonPositive(w) }
            if let t = i["threshold"] { c.scoring.ipColocationFactorThreshold = Double(try t.int(in: 1...1 << 20)) }
            if let l = i["whitelist"] { c.scoring.ipColocationWhitelist = Set(try l.strings()) }
        }
        if let v = s["behaviourPenalty"] {
            let b = try v.fields(extended)
            if let w = b["weight"] { c.scoring.behaviourPenaltyWeight = try nonPositive(w) }
            if let d = b["decay"] { c.scoring.behaviourPenaltyDecay = try decay(d) }
            if let t = b["threshold"] { c.scoring.behaviourPenaltyThreshold = try nonNegative(t) }
        }
    }

    static func topic(_ n: ConfigNode) throws -> TopicScoreParams {
        var p = TopicScoreParams()
        let t = try n.fields(["skipAtomic", "weight", "timeInMesh", "firstMessageDeliveries", "meshMessageDeliveries",
                              "meshFailurePenalty", "invalidMessageDeliveries"])
        if let v = t["weight"] { p.topicWeight = try nonNegative(v) }
        if let v = t["timeInMesh"] {
            let f = try v.fields(base)
            if let x = f["weight"] { p.timeInMeshWeight = try nonNegative(x) }
            if let x = f["cap"] { p.timeInMeshCap = try nonNegative(x) }
            if let x = f["quantum"] { p.timeInMeshQuantum = try AgentConfig.positive(x) }
        }
        if let v = t["firstMessageDeliveries"] {
            let f = try v.fields(base)
            if let x = f["weight"] { p.firstMessageDeliveriesWeight = try nonNegative(x) }
            if let x = f["decay"] { p.firstMessageDeliveriesDecay = try decay(x) }
            if let x = f["cap"] { p.firstMessageDeliveriesCap = try nonNegative(x) }
        }
        if let v = t["meshMessageDeliveries"] {
            let f = try v.fields(extended)
            if let x = f["weight"] { p.meshMessageDeliveriesWeight = try nonPositive(x) }
            if let x = f["decay"] { p.meshMessageDeliveriesDecay = try decay(x) }
            if let x = f["cap"] { p.meshMessageDeliveriesCap = try nonNegative(x) }
            if let x = f["threshold"] { p.meshMessageDeliveriesThreshold = try nonNegative(x) }
            if let x = f["window"] { p.meshMessageDeliveriesWindow = try x.duration() }
            if let x = f["activation"] { p.meshMessageDeliveriesActivation = try AgentConfig.positive(x) }
        }
        if let v = t["meshFailurePenalty"] {
            let f = try v.fields(base)
            if let x = f["weight"] { p.meshFailurePenaltyWeight = try nonPositive(x) }
            if let x = f["decay"] { p.meshFailurePenaltyDecay = try decay(x) }
        }
        if let v = t["invalidMessageDeliveries"] {
            let f = try v.fields(base)
            if let x = f["weight"] { p.invalidMessageDeliveriesWeight = try nonPositive(x) }
            if let x = f["decay"] { p.invalidMessageDeliveriesDecay = try decay(x) }
        }
        return p
    }

    static func nonNegative(_ n: ConfigNode) throws -> Double {
        let v = try n.double()
        guard v >= 0 else { throw n.fail("must not be negative (a reward or a cap)") }
        return v
    }

    static func nonPositive(_ n: ConfigNode) throws -> Double {
        let v = try n.double()
        guard v <= 0 else { throw n.fail("must not be positive (a penalty weight)") }
        return v
    }

    static func decay(_ n: ConfigNode) throws -> Double {
        let v = try n.double()
        guard v > 0, v < 1 else { throw n.fail("a decay factor must be within (0, 1)") }
        return v
    }
}
