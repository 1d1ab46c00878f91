/// Router parameters; defaults are go-libp2p-pubsub's (and DESIGN's).
public struct GossipsubConfig: Sendable {
    public var d = 6
    public var dLow = 5
    public var dHigh = 12
    public var dScore = 4
    public var dOut = 2
    public var dLazy = 6
    public var heartbeatInterval: Duration = .seconds(1)
    public var fanoutTTL: Duration = .seconds(60)
    public var historyLength = 5
    public var historyGossip = 3
    public var seenTTL: Duration = .seconds(120)
    public var pruneBackoff: Duration = .seconds(60)
    public var unsubscribeBackoff: Duration = .seconds(10)
    public var gossipFactor = 0.25
    /// Most ids advertised to one peer per heartbeat, and most ids accepted in its IHAVEs.
    public var maxIHaveLength = 5000
    /// Most IHAVE messages accepted from one peer per heartbeat.
    public var maxIHaveMessages = 10
    /// How many times one peer may ask for the same message.
    public var gossipRetransmission = 3
    public var floodPublish = true
    /// Messages at least this large trigger IDONTWANT to mesh peers (v1.2).
    public var idontwantThreshold = 1024
    public var maxPeersInPrune = 16
    /// How long a peer has to deliver a message we asked for with IWANT (else P7).
    public var iwantFollowupTime: Duration = .seconds(3)
    /// A GRAFT this soon after we pruned the peer costs an extra behaviour penalty.
    public var graftFloodThreshold: Duration = .seconds(10)
    /// Every this many heartbeats, graft better peers if the mesh's median score is low.
    public var opportunisticGraftTicks = 60
    public var opportunisticGraftPeers = 2
    /// Peers (peer id text) we always forward to and accept from, never in the mesh; the host
    /// keeps them connected (re-dialed every `directConnectTicks` heartbeats).
    public var directPeers: Set<String> = []
    public var directConnectTicks = 300
    public var subscriptionFilter = SubscriptionFilter()
    public var signPolicy = SignPolicy.strictNoSign
    /// contentHash with StrictNoSign (the Go p2pmq); fromAndSeqno with StrictSign (libp2p default).
    public var messageIDFunction = MessageIDFunction.contentHash
    /// Per-topic message ids (the Go agent's `topics[].msgIDFn`), else `messageIDFunction`.
    public var topicMessageIDFunctions: [String: MessageIDFunction] = [:]
    public var thresholds = PeerScoreThresholds()
    /// When set, a peer whose score falls below the graylist threshold is disconnected and its
    /// connections refused for this long. Off by default (nil: it stays connected and its RPCs
    /// are dropped unread, as go-libp2p-pubsub does): in the reliability suite the refused
    /// attacker redialed at once, and a Noise handshake per redial cost honest nodes more than
    /// reading its frames; its score, no longer fed, also decayed back above graylist.
    public var graylistRefusal: Duration?

    public init() {}

    /// The id function of `topic`'s messages.
    public func messageIDFunction(for topic: String) -> MessageIDFunction {
        topicMessageIDFunctions[topic] ?? messageIDFunction
    }

    public func validate() throws {
        guard dLow <= d, d <= dHigh, dOut < dLow, dOut <= d / 2, dScore <= d else {
            throw GossipError(.invalidConfig, "mesh degrees must satisfy Dout < Dlo <= D <= Dhi, Dout <= D/2, Dscore <= D")
        }
        guard opportunisticGraftTicks > 0, directConnectTicks > 0 else {
            throw GossipError(.invalidConfig, "opportunisticGraftTicks and directConnectTicks must be positive")
        }
        guard historyGossip <= historyLength else { throw GossipError(.invalidConfig, "historyGossip must not exceed historyLength") }
        try thresholds.validate()
    }
}

/// Which pubsub protocol a peer speaks (negotiated per stream).
public enum PubsubProtocol: String, Sendable, CaseIterable {
    case meshsub12 = "/meshsub/1.2.0"
    case meshsub11 = "/meshsub/1.1.0"
    case meshsub10 = "/meshsub/1.0.0"
    case floodsub = "/floodsub/1.0.0"

    var supportsMesh: Bool { self != .floodsub }
    var supportsPX: Bool { self == .meshsub11 || self == .meshsub12 }
    var supportsIDontWant: Bool { self == .meshsub12 }
}
