/// Per-topic scoring parameters (gossipsub v1.1 spec, "Topic Parameter Calculation").
/// Weights of penalties (P3, P3b, P4) are negative; of rewards (P1, P2) positive.
public struct TopicScoreParams: Sendable, Equatable {
    public var topicWeight = 1.0

    // P1: time in mesh
    public var timeInMeshWeight = 0.01
    public var timeInMeshQuantum: Duration = .seconds(1)
    public var timeInMeshCap = 3600.0

    // P2: first message deliveries
    public var firstMessageDeliveriesWeight = 1.0
    public var firstMessageDeliveriesDecay = 0.5
    public var firstMessageDeliveriesCap = 2000.0

    // P3: mesh message delivery rate (deficit below the threshold, squared)
    public var meshMessageDeliveriesWeight = 0.0
    public var meshMessageDeliveriesDecay = 0.5
    public var meshMessageDeliveriesThreshold = 20.0
    public var meshMessageDeliveriesCap = 100.0
    public var meshMessageDeliveriesActivation: Duration = .seconds(5)
    /// Duplicates arriving this soon after the first delivery still count for P3.
    public var meshMessageDeliveriesWindow: Duration = .milliseconds(10)

    // P3b: sticky mesh failure penalty
    public var meshFailurePenaltyWeight = 0.0
    public var meshFailurePenaltyDecay = 0.5

    // P4: invalid messages (squared)
    public var invalidMessageDeliveriesWeight = -1.0
    public var invalidMessageDeliveriesDecay = 0.3

    public init() {}
}

/// Peer-level parameters: application score, IP colocation, behaviour penalty, decay.
public struct PeerScoreParams: Sendable, Equatable {
    public var topics: [String: TopicScoreParams] = [:]
    /// For topics without their own entry (nil: such topics do not count towards the score).
    public var defaultTopic: TopicScoreParams?
    /// Caps the summed topic contribution (0: no cap).
    public var topicScoreCap = 0.0
    // P5: application-specific score (the agent's persisted penalty history)
    public var appSpecificWeight = 1.0
    // P6: peers sharing an IP beyond the threshold (squared surplus)
    public var ipColocationFactorWeight = 0.0
    public var ipColocationFactorThreshold = 1.0
    public var ipColocationWhitelist: Set<String> = []
    // P7: behaviour penalty (squared excess over the threshold). go-libp2p-pubsub has no default
    // (0 turns P7 off); ours follow Filecoin's lotus: a few slips are free, repeated ones are not.
    public var behaviourPenaltyWeight = -10.0
    public var behaviourPenaltyThreshold = 6.0
    public var behaviourPenaltyDecay = 0.99

    public var decayInterval: Duration = .seconds(1)
    /// Counters below this become 0.
    public var decayToZero = 0.01
    /// How long a disconnected peer's score is remembered (so reconnecting does not reset it).
    public var retainScore: Duration = .seconds(3600)

    public init() {}

    public func topicParams(_ topic: String) -> TopicScoreParams? { topics[topic] ?? defaultTopic }
}

/// Score thresholds (gossipsub v1.1): below gossip, no gossip to/from the peer; below publish, no
/// flood publishing to it; below graylist, its RPCs are ignored; acceptPX and
/// opportunisticGraft gate peer exchange and opportunistic grafting.
public struct PeerScoreThresholds: Sendable, Equatable {
    public var gossipThreshold = -10.0
    public var publishThreshold = -50.0
    public var graylistThreshold = -80.0
    public var acceptPXThreshold = 10.0
    public var opportunisticGraftThreshold = 5.0

    public init() {}

    /// The ordering the spec requires: graylist <= publish <= gossip <= 0 <= acceptPX, opportunisticGraft.
    public func validate() throws {
        guard graylistThreshold <= publishThreshold, publishThreshold <= gossipThreshold, gossipThreshold <= 0 else {
            throw GossipError(.invalidConfig, "score thresholds must satisfy graylist <= publish <= gossip <= 0")
        }
        guard acceptPXThreshold >= 0, opportunisticGraftThreshold >= 0 else {
            throw GossipError(.invalidConfig, "acceptPX and opportunisticGraft thresholds must be >= 0")
        }
    }
}
