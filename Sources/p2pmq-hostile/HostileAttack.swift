/// What a hostile peer does to an honest agent, and the penalty reason an honest agent must
/// record for it (the prefix of the stored reason). Honest agents stop listening to a peer once
/// its score is below the graylist threshold, so after the first few attacks most of the rest
/// are dropped unread: that is the defence working, not an attack missed.
enum HostileAttack: String, CaseIterable, Sendable {
    /// A validly framed report whose quorum signatures are random bytes.
    case forgedSignature = "forged_signature"
    /// A report signed by one key of the DON only.
    case underQuorum = "under_quorum"
    /// A quorum-signed report (compromised DON) with a seq far below the head.
    case staleReplay = "stale_replay"
    /// A quorum-signed report with a seq far past the head.
    case unrealisticSeq = "unrealistic_seq"
    /// IHAVE for thousands of made-up message ids, many times per heartbeat.
    case ihaveFlood = "ihave_flood"
    /// IWANT for the same message ids again and again.
    case iwantFlood = "iwant_flood"
    /// PRUNE, then GRAFT again at once (inside the backoff it just asked for).
    case graftBackoff = "graft_backoff"
    /// A pubsub frame announcing 10 MiB.
    case oversizeFrame = "oversize_frame"
    /// A pubsub frame of random bytes.
    case garbageFrame = "garbage_frame"
    /// One RPC subscribing to thousands of topics.
    case subscriptionSpam = "subscription_spam"
    /// Random bytes on a fresh TCP connection, before any handshake (nothing to penalize: the
    /// peer has no identity yet; the connection must just be dropped).
    case rawGarbage = "raw_garbage"
    /// Served to honest agents that ask this peer for history: heads a little ahead of the real
    /// ones, and records whose signatures are forged.
    case lyingSync = "lying_sync"
    /// ADD_PROVIDER for hundreds of made-up keys per turn, past the provider store's bound per
    /// peer.
    case dhtProviderFlood = "dht_provider_flood"
    /// Served to honest agents whose DHT asks this peer: hundreds of made-up closer peers and
    /// providers per answer, at addresses where nobody answers (`LyingDHTServer`).
    case dhtLies = "dht_lies"

    /// The stored penalty reason prefixes that answer this attack (empty: none expected).
    var expectedReasons: [String] {
        switch self {
        case .forgedSignature: ["bad_signature"]
        case .underQuorum: ["insufficient_quorum"]
        case .staleReplay: ["stale_seq"]
        case .unrealisticSeq: ["seq_gap_too_large"]
        case .ihaveFlood: ["ihave_flood", "broken_promise"]
        case .iwantFlood: ["iwant_flood"]
        case .graftBackoff: ["graft_flood", "graft_during_backoff"]
        case .oversizeFrame: ["oversize_rpc"]
        case .garbageFrame: ["malformed_rpc"]
        case .subscriptionSpam: ["subscription_spam"]
        case .rawGarbage: []
        case .lyingSync: ["sync_"]
        case .dhtProviderFlood: ["dht_provider_flood"]
        // Nothing in a made-up answer proves a lie; the defence is bounded lookups.
        case .dhtLies: []
        }
    }

    /// The attacks that answer requests instead of being sent.
    static let served: [HostileAttack] = [.lyingSync, .dhtLies]

    /// Attacks sent in turn.
    static let sent: [HostileAttack] = allCases.filter { !served.contains($0) }

    /// Parses `all` or a comma-separated list of names.
    static func parse(_ text: String) -> [HostileAttack]? {
        if text == "all" { return allCases }
        let parts = text.split(separator: ",").map { HostileAttack(rawValue: String($0).trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, !parts.contains(where: { $0 == nil }) else { return nil }
        return parts.compactMap { $0 }
    }
}
