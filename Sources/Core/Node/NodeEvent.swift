import Wire

/// What happens to a node, as `NodeCore.handle` takes it. Drivers (the agent's pubsub service,
/// the tests' in-memory network, the simulator) turn bytes, timers, validator answers and log
/// completions into these.
public enum NodeEvent: Sendable {
    /// The node starts: arms its timers.
    case start
    /// A pubsub stream to or from the peer is up (`ip` feeds P6). Idempotent.
    case peerUp(String, PubsubProtocol, outbound: Bool, ip: String?)
    case peerDown(String)
    /// A decoded RPC from a peer.
    case rpc(from: String, GossipsubRouter.RPC)
    /// A frame from the peer that could not be read: the stream is lost, the peer pays (P7).
    case badFrame(from: String, BadFrame)
    case timerFired(NodeTimer)
    /// The validator's answer for a message the node handed out with `.validate`.
    /// `report`: the message's place in its DON's stream, when the validation path decoded it.
    case verdict(id: [UInt8], GossipsubRouter.Verdict, reason: VerdictReason?, report: ReportKey? = nil)
    /// The log's answer for an `.append`; `stored` is the verdict as stored (the log's owner may
    /// have changed it, e.g. a config update that no longer extends its DON's chain).
    case appended(id: [UInt8], local: Bool, VerdictPolicy.LogAnswer, stored: GossipsubRouter.Verdict)
    /// A publish from the API.
    case publish(topic: String, data: [UInt8])
    case subscribe(String)
    case unsubscribe(String)
    /// P5 from the persisted penalty history (so a restart never whitewashes a peer).
    case applicationScore(peer: String, Double)
    case blacklist(String)
    /// A local listener (a `Listen` stream) wants accepted messages of `topics` (empty: all).
    case listenerAdded(id: UInt64, topics: Set<String>)
    case listenerRemoved(UInt64)
    /// Range sync appended an accepted record at `offset`: listeners get it like a live one.
    case historyAppended(InboundMessage, offset: UInt64)
}

/// A frame that could not be read.
public enum BadFrame: Sendable, Equatable {
    /// Over the size limit or a broken length prefix: the stream cannot be resynced.
    case oversize(String)
    case malformed(String)
    /// A whole frame that is not a pubsub RPC protobuf.
    case notProtobuf
}

/// The node's timers: one of each kind is armed at a time (a new `.setTimer` replaces it).
public enum NodeTimer: Sendable, Hashable {
    case heartbeat
    /// Validation deadlines are checked while anything waits for the validator.
    case validationSweep
}
