/// The gossipsub message cache (mcache): messages of the last `historyLength` heartbeat windows,
/// served to IWANT requests; the ids of the last `gossipLength` windows are advertised in IHAVE.
/// `shift()` is called once per heartbeat.
public struct MessageCache<Message: Sendable>: Sendable {
    public let historyLength: Int
    public let gossipLength: Int
    private var windows: [[(id: [UInt8], topic: String)]]
    private var messages: [[UInt8]: (message: Message, topic: String)] = [:]
    /// How often each peer asked for each message, to bound retransmissions.
    private var requests: [[UInt8]: [String: Int]] = [:]

    public init(historyLength: Int = 5, gossipLength: Int = 3) {
        precondition(gossipLength <= historyLength && historyLength > 0)
        self.historyLength = historyLength
        self.gossipLength = gossipLength
        windows = [[]]
    }

    public var count: Int { messages.count }

    public mutating func put(id: [UInt8], topic: String, _ message: Message) {
        guard messages[id] == nil else { return }
        messages[id] = (message, topic)
        windows[0].append((id, topic))
    }

    public func get(_ id: [UInt8]) -> Message? { messages[id]?.message }

    public enum Lookup {
        case found(Message, topic: String)
        case notFound
        /// The peer already asked for it `limit` times.
        case overLimit
    }

    /// The message for an IWANT from `peer`, unless that peer already asked `limit` times.
    public mutating func getForPeer(_ id: [UInt8], peer: String, limit: Int) -> Lookup {
        guard let entry = messages[id] else { return .notFound }
        let asked = requests[id, default: [:]][peer, default: 0]
        guard asked < limit else { return .overLimit }
        requests[id, default: [:]][peer] = asked + 1
        return .found(entry.message, topic: entry.topic)
    }

    /// Ids to advertise for `topic`: the last `gossipLength` windows, newest first.
    public func gossipIDs(topic: String) -> [[UInt8]] {
        windows.prefix(gossipLength).flatMap { $0.filter { $0.topic == topic }.map(\.id) }
    }

    /// Starts a new window, forgetting the oldest beyond `historyLength`.
    public mutating func shift() {
        if windows.count >= historyLength, let oldest = windows.popLast() {
            for entry in oldest {
                messages[entry.id] = nil
                requests[entry.id] = nil
            }
        }
        windows.insert([], at: 0)
    }
}
