/// Which subscriptions of remote peers the router takes note of (go-libp2p-pubsub's
/// SubscriptionFilter with its limit). Subscriptions to topics not allowed are dropped silently
/// (a peer may well use topics we do not care about); an RPC with more subscriptions than
/// `maxSubscriptionsPerRPC`, or that would take a peer past `maxTopicsPerPeer`, is spam: the
/// router ignores the whole RPC and adds a behaviour penalty (P7).
public struct SubscriptionFilter: Sendable, Equatable {
    /// Topics taken note of; nil: any topic.
    public var allowedTopics: Set<String>?
    /// Topics with one of these prefixes are also allowed (e.g. "don/").
    public var allowedPrefixes: [String] = []
    public var maxSubscriptionsPerRPC = 100
    public var maxTopicsPerPeer = 1000

    public init(allowedTopics: Set<String>? = nil, allowedPrefixes: [String] = []) {
        self.allowedTopics = allowedTopics
        self.allowedPrefixes = allowedPrefixes
    }

    public func allows(_ topic: String) -> Bool {
        guard let allowedTopics else { return true }
        return allowedTopics.contains(topic) || allowedPrefixes.contains { topic.hasPrefix($0) }
    }
}
