import Wire

/// What `NodeCore.handle` asks its driver to do.
public enum NodeAction: Sendable {
    case send(to: String, GossipsubRouter.RPC)
    /// Ask the validator; answer with `.verdict`.
    case validate(InboundMessage)
    /// Write the judged message (and, for a REJECT, its sender's penalty) to the log; answer with
    /// `.appended`.
    case append(JudgedMessage)
    /// An accepted message for local subscribers, with its log offset when the log has one, and
    /// the listeners (`listenerAdded`) whose topics it matches.
    case deliver(InboundMessage, offset: UInt64?, listeners: [UInt64])
    /// A penalty outside validation (protocol misbehaviour, signing policy, bad frames), for the
    /// penalty history.
    case penalize(peer: String, topic: String, reason: String)
    /// Peers worth dialing (peer exchange, direct peers not connected).
    case dial([PeerID])
    /// Fire `.timerFired(timer)` at `at`, replacing any armed timer of that kind.
    case setTimer(NodeTimer, at: Instant)
    /// Disconnect the peer and refuse it for `duration` (score below graylist with
    /// `graylistRefusal` on).
    case refuse(peer: String, score: Double, for: Duration)
    /// A local publish got this id (the API answers with it).
    case published(id: [UInt8], topic: String)
    /// A go-libp2p-pubsub trace event (only with `Options.tracing`).
    case trace(TraceEvent)
}

/// A message from the network (or a local publish), decoded once: it travels from the router to
/// the validator, the log and the listeners in this shape.
public struct InboundMessage: Sendable {
    public var id: [UInt8]
    public var topic: String
    public var data: [UInt8]
    /// The peer that forwarded it ("local" for our own publishes).
    public var from: String
    /// The author under StrictSign, else `from`.
    public var author: String
    /// When the router took it in: verdicts that depend on time or state (a report's staleness)
    /// judge it as of its arrival, not as of when a validation slot freed up.
    public var arrivedAt: Instant
    /// Id as text: content-hash ids already are (hex), binary from+seqno ids become hex.
    public var idText: String { MessageIDFunction.text(of: id) }

    public init(id: [UInt8], topic: String, data: [UInt8], from: String, author: String? = nil, arrivedAt: Instant) {
        self.id = id
        self.topic = topic
        self.data = data
        self.from = from
        self.author = author ?? from
        self.arrivedAt = arrivedAt
    }

    init(id: [UInt8], _ m: GossipsubRouter.Message, from: String, arrivedAt: Instant) {
        let author = m.hasFrom ? ((try? PeerID(bytes: Array(m.from)))?.description ?? from) : from
        self.init(id: id, topic: m.topic, data: Array(m.data), from: from, author: author, arrivedAt: arrivedAt)
    }
}

/// A message with its verdict, on its way to the log.
public struct JudgedMessage: Sendable {
    public var message: InboundMessage
    public var verdict: GossipsubRouter.Verdict
    /// Why: the validator's reason, the queue's drop, or `published` for our own.
    public var reason: VerdictReason?
    /// IGNORE because the validation queue was full or the deadline passed.
    public var dropped: ValidationQueue.Drop?
    /// From the start of validation to the verdict (nil when it never started).
    public var elapsed: Duration?
    /// Our own publish.
    public var local: Bool
    /// Its place in its DON's stream, as validation decoded it (nil: not decoded, e.g. dropped
    /// unjudged, or not a report).
    public var report: ReportKey?

    public init(message: InboundMessage, verdict: GossipsubRouter.Verdict, reason: VerdictReason? = nil,
                dropped: ValidationQueue.Drop? = nil, elapsed: Duration? = nil, local: Bool = false, report: ReportKey? = nil) {
        self.report = report
        self.message = message
        self.verdict = verdict
        self.reason = reason
        self.dropped = dropped
        self.elapsed = elapsed
        self.local = local
    }

    /// The reason stored with the record: a REJECT's reason, a drop, or the validator's reason.
    public var storedReason: String {
        if case .reject(let r) = verdict { return r }
        return dropped?.rawValue ?? reason?.text ?? ""
    }
}
