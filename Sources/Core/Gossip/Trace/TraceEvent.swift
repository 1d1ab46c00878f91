import Wire

/// One of go-libp2p-pubsub's trace events (its `pb/trace.proto`, the version the Go p2pmq uses),
/// as the router and the node core notice it. With tracing on, `NodeCore` hands them out as
/// `.trace` actions; the agent writes them as Go's JSON tracer does (`pubsub.trace.jsonFile`), so
/// tools written for Go traces read ours.
public struct TraceEvent: Sendable, Equatable {
    /// The event types, numbered as in trace.proto.
    public enum Kind: Int, Sendable, CaseIterable {
        case publishMessage = 0, rejectMessage, duplicateMessage, deliverMessage, addPeer, removePeer
        case recvRPC, sendRPC, dropRPC, join, leave, graft, prune

        /// The name in trace.proto (and in the Go agent's `trace.skiplist`).
        public var goName: String {
            switch self {
            case .publishMessage: "PUBLISH_MESSAGE"
            case .rejectMessage: "REJECT_MESSAGE"
            case .duplicateMessage: "DUPLICATE_MESSAGE"
            case .deliverMessage: "DELIVER_MESSAGE"
            case .addPeer: "ADD_PEER"
            case .removePeer: "REMOVE_PEER"
            case .recvRPC: "RECV_RPC"
            case .sendRPC: "SEND_RPC"
            case .dropRPC: "DROP_RPC"
            case .join: "JOIN"
            case .leave: "LEAVE"
            case .graft: "GRAFT"
            case .prune: "PRUNE"
            }
        }

        public init?(goName: String) {
            guard let kind = Self.allCases.first(where: { $0.goName == goName }) else { return nil }
            self = kind
        }
    }

    /// go-libp2p-pubsub's rejection reasons (its tracer.go constants), which trace readers count.
    public enum RejectReason {
        public static let blacklistedPeer = "blacklisted peer"
        public static let blacklistedSource = "blacklisted source"
        public static let missingSignature = "missing signature"
        public static let unexpectedSignature = "unexpected signature"
        public static let unexpectedAuthInfo = "unexpected auth info"
        public static let invalidSignature = "invalid signature"
        public static let validationQueueFull = "validation queue full"
        public static let validationFailed = "validation failed"
        public static let validationIgnored = "validation ignored"
    }

    /// What an RPC carried, as trace.proto's RPCMeta: message ids and topics, subscriptions, and
    /// the control part.
    public struct RPCMeta: Sendable, Equatable {
        public struct MessageMeta: Sendable, Equatable {
            public var id: [UInt8]
            public var topic: String
        }

        public var messages: [MessageMeta]
        public var subscriptions: [GossipsubRouter.RPC.SubOpts]
        public var control: P2pmq_Libp2p_Pubsub_ControlMessage?

        /// The meta of `rpc`, its messages' ids computed as the router computes them.
        public init(_ rpc: GossipsubRouter.RPC, ids config: GossipsubConfig) {
            messages = rpc.publish.map { MessageMeta(id: config.messageIDFunction(for: $0.topic).id($0), topic: $0.topic) }
            subscriptions = rpc.subscriptions
            control = rpc.hasControl ? rpc.control : nil
        }
    }

    public var kind: Kind
    /// The other peer (peer id text): the sender of a message or RPC, the receiver of a sent or
    /// dropped RPC, the peer added, removed, grafted or pruned.
    public var peer: String?
    public var messageID: [UInt8]?
    public var topic: String?
    public var reason: String?
    /// ADD_PEER: the protocol the peer speaks.
    public var proto: String?
    public var rpc: RPCMeta?

    public init(_ kind: Kind, peer: String? = nil, messageID: [UInt8]? = nil, topic: String? = nil, reason: String? = nil,
                proto: String? = nil, rpc: RPCMeta? = nil) {
        self.kind = kind
        self.peer = peer
        self.messageID = messageID
        self.topic = topic
        self.reason = reason
        self.proto = proto
        self.rpc = rpc
    }
}
