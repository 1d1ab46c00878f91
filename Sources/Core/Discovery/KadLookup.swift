import Wire

/// One iterative Kademlia lookup toward a target (libp2p kad-dht spec, "Peer routing"): up to α
/// queries in flight to the closest peers not yet asked, each answer's closer peers merged in,
/// done when the k closest peers still standing have all answered (or nothing is left to ask).
///
/// Bounded against hostile answers: at most k closer peers are taken from one answer, at most
/// `KadRoutingTable.maxAddresses` addresses per peer, `maxCandidates` candidates (the farthest
/// dropped), `maxQueries` queries in all; the driver adds a timeout per query and per lookup.
///
/// Pure: the driver sends the queries `next()` returns and reports `answered` or `failed`.
public struct KadLookup: Sendable {
    public enum Phase: Sendable, Equatable { case notQueried, waiting, succeeded, failed }

    public struct Candidate: Sendable, Equatable {
        public var peer: PeerID
        public var key: KadKey
        public var addresses: [Multiaddr]
        public var phase: Phase
    }

    public let target: [UInt8]
    public let targetKey: KadKey
    public let alpha: Int
    public let k: Int
    public let maxCandidates: Int
    public let maxQueries: Int
    private let local: PeerID
    public private(set) var candidates: [Candidate] = []
    public private(set) var queries = 0
    private var stopped = false

    public init(target: [UInt8], local: PeerID, seeds: [(PeerID, [Multiaddr])], alpha: Int = 3, k: Int = 20, maxQueries: Int? = nil) {
        self.target = target
        targetKey = KadKey(hashing: target)
        self.local = local
        self.alpha = max(1, alpha)
        self.k = max(1, k)
        maxCandidates = 8 * self.k
        self.maxQueries = maxQueries ?? 10 * self.k
        merge(seeds)
    }

    /// The queries to send now: the closest not yet asked among the k closest standing, while
    /// fewer than α are in flight.
    public mutating func next() -> [(PeerID, [Multiaddr])] {
        guard !stopped else { return [] }
        var out: [(PeerID, [Multiaddr])] = []
        var inFlight = candidates.filter { $0.phase == .waiting }.count
        var window = 0
        for i in candidates.indices where candidates[i].phase != .failed {
            window += 1
            if window > k || inFlight >= alpha || queries >= maxQueries { break }
            guard candidates[i].phase == .notQueried else { continue }
            candidates[i].phase = .waiting
            inFlight += 1
            queries += 1
            out.append((candidates[i].peer, candidates[i].addresses))
        }
        return out
    }

    /// `peer` answered with `closer` peers.
    public mutating func answered(_ peer: PeerID, closer: [(PeerID, [Multiaddr])]) {
        guard let i = candidates.firstIndex(where: { $0.peer == peer }) else { return }
        candidates[i].phase = .succeeded
        merge(Array(closer.prefix(k)))
    }

    /// `peer` did not answer (refused, timed out, garbage).
    public mutating func failed(_ peer: PeerID) {
        guard let i = candidates.firstIndex(where: { $0.peer == peer }) else { return }
        candidates[i].phase = .failed
    }

    /// Ends the lookup early (a provider lookup that found enough, or its deadline passed).
    public mutating func stop() { stopped = true }

    public var isStopped: Bool { stopped }

    /// Nothing in flight and nothing more to ask.
    public var isFinished: Bool {
        guard !candidates.contains(where: { $0.phase == .waiting }) else { return false }
        if stopped || queries >= maxQueries { return true }
        return !candidates.filter { $0.phase != .failed }.prefix(k).contains { $0.phase == .notQueried }
    }

    /// The k closest peers that answered, closest first: the lookup's result.
    public var closest: [(PeerID, [Multiaddr])] {
        candidates.filter { $0.phase == .succeeded }.prefix(k).map { ($0.peer, $0.addresses) }
    }

    public var waiting: [PeerID] { candidates.filter { $0.phase == .waiting }.map(\.peer) }

    private mutating func merge(_ peers: [(PeerID, [Multiaddr])]) {
        for (peer, addrs) in peers where peer != local {
            if let i = candidates.firstIndex(where: { $0.peer == peer }) {
                if candidates[i].addresses.isEmpty { candidates[i].addresses = Array(addrs.prefix(KadRoutingTable.maxAddresses)) }
                continue
            }
            let key = KadKey(hashing: peer.bytes)
            let c = Candidate(peer: peer, key: key, addresses: Array(addrs.prefix(KadRoutingTable.maxAddresses)), phase: .notQueried)
            let at = candidates.firstIndex { targetKey.closer(key, than: $0.key) } ?? candidates.count
            candidates.insert(c, at: at)
        }
        // Keep the closest; a dropped far candidate never mattered to the k closest.
        while candidates.count > maxCandidates {
            guard let last = candidates.lastIndex(where: { $0.phase != .waiting }) else { break }
            candidates.remove(at: last)
        }
    }
}
