import Wire

/// mDNS peer discovery as a state machine: packets and ticks in, packets to multicast and found
/// peers out. The driver (Discovery's `MDNSService`) owns the socket and the clock; tests drive
/// this directly.
///
/// - It queries at start and every `queryInterval`, and announces itself at start.
/// - It answers queries for its service, instance or host name, at most once a second (RFC 6762
///   section 6: a record is not multicast again within a second; the querier hears the last one).
/// - A peer is reported found when first seen and again only after `refoundInterval` (a response
///   to every query would otherwise redial it each time). At most `maxPeers` are remembered.
public struct MDNSPeerFinder: Sendable {
    public enum Action: Sendable, Equatable {
        case send([UInt8])
        case found(PeerID, [Multiaddr])
    }

    public struct Options: Sendable {
        public var queryInterval: Duration = .seconds(10)
        public var minAnswerInterval: Duration = .seconds(1)
        public var refoundInterval: Duration = .seconds(30)
        public var maxPeers = 1024
        public var ttl: UInt32 = 120
        public init() {}
    }

    public let records: MDNSDiscovery
    public let local: PeerID
    /// The random label our instance and host names start with.
    public let peerName: String
    public let options: Options
    /// What we announce: our addresses with /p2p/, and the IPv4 addresses for the A records.
    public var addresses: [Multiaddr] = []
    public var ipv4: [[UInt8]] = []
    private var lastQuery: Instant?
    private var lastAnswer: Instant?
    private var seen: [PeerID: Instant] = [:]
    public private(set) var stats = Stats()

    public struct Stats: Sendable, Equatable {
        public var queriesSent = 0
        public var answersSent = 0
        public var answersSuppressed = 0
        public var malformed = 0
        public var peersFound = 0
    }

    public init(records: MDNSDiscovery, local: PeerID, peerName: String, options: Options = Options()) {
        self.records = records
        self.local = local
        self.peerName = peerName
        self.options = options
    }

    /// A random instance label as go-libp2p picks one: 32 to 63 letters and digits.
    public static func randomPeerName<R: RandomNumberGenerator>(using rng: inout R) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        return String((0..<Int.random(in: 32...63, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
    }

    /// At start: a query and an announcement.
    public mutating func start(now: Instant) -> [Action] {
        var actions = query(now: now)
        if let announcement = answer(now: now) { actions.append(announcement) }
        return actions
    }

    /// The periodic query, when due.
    public mutating func tick(now: Instant) -> [Action] {
        guard let lastQuery, now.since(lastQuery) < options.queryInterval else { return query(now: now) }
        return []
    }

    public mutating func receive(_ bytes: [UInt8], now: Instant) -> [Action] {
        guard let message = try? DNSMessage(bytes: bytes) else {
            stats.malformed += 1
            return []
        }
        if records.isQuery(message, peerName: peerName) {
            guard let lastAnswer, now.since(lastAnswer) < options.minAnswerInterval else {
                return answer(now: now).map { [$0] } ?? []
            }
            stats.answersSuppressed += 1
            return []
        }
        var actions: [Action] = []
        for (peer, addrs) in records.peers(in: message) where peer != local {
            if let last = seen[peer], now.since(last) < options.refoundInterval { continue }
            if seen[peer] == nil, seen.count >= options.maxPeers, let oldest = seen.min(by: { $0.value < $1.value })?.key {
                seen.removeValue(forKey: oldest)
            }
            seen[peer] = now
            stats.peersFound += 1
            actions.append(.found(peer, addrs))
        }
        return actions
    }

    public var knownPeers: Int { seen.count }

    private mutating func query(now: Instant) -> [Action] {
        lastQuery = now
        guard let q = try? records.query() else { return [] }
        stats.queriesSent += 1
        return [.send(q)]
    }

    /// Our response (nil when we have no address to announce, or it does not encode: a name over
    /// DNS's limits).
    private mutating func answer(now: Instant) -> Action? {
        guard !addresses.isEmpty, let r = try? records.response(peerName: peerName, addresses: addresses, ipv4: ipv4, ttl: options.ttl) else { return nil }
        lastAnswer = now
        stats.answersSent += 1
        return .send(r)
    }
}
