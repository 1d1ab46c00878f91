/// Which subscriptions of remote peers the router takes note of (go-libp2p-pubsub's
/// SubscriptionFilter with its limit). Subscriptions to topics not allowed are dropped silently
/// (a peer may well use topics we do not care about); an RPC with more subscriptions than
/// `maxSubscriptionsPerRPC`, or that would take a peer past `maxTopicsPerPeer`, is spam: the
/// router ignores the whole RPC and adds a behaviour penalty (P7).
public struct SubscriptionFilter: Sendable, Equatable {
    /// Topics taken note of; nil (and no prefixes or pattern): any topic.
    public var allowedTopics: Set<String>?
    /// Topics with one of these prefixes are also allowed (e.g. "don/").
    public var allowedPrefixes: [String] = []
    /// Topics matching this regular expression (whole topic) are also allowed (the Go agent's
    /// `subFilter.pattern`). Checked when a subscription arrives, which is rare.
    public var allowedPattern: String?
    public var maxSubscriptionsPerRPC = 100
    public var maxTopicsPerPeer = 1000

    public init(allowedTopics: Set<String>? = nil, allowedPrefixes: [String] = []) {
        self.allowedTopics = allowedTopics
        self.allowedPrefixes = allowedPrefixes
    }

    public func allows(_ topic: String) -> Bool {
        if allowedTopics == nil, allowedPrefixes.isEmpty, allowedPattern == nil { return true }
        if allowedTopics?.contains(topic) == true || allowedPrefixes.contains(where: { topic.hasPrefix($0) }) { return true }
        guard let allowedPattern, let regex = try? Regex(allowedPattern) else { return false }
        return topic.wholeMatch(of: regex) != nil
    }
}
