/// The DON configurations this node knows: per DON the chain of its configs, genesis first
/// (version 1, from seq 0), each later one applying to reports from its `effectiveSeq` on.
public struct DONRegistry: Sendable {
    public struct Entry: Sendable, Equatable {
        public var config: DONConfig
        public var version: UInt64
        public var effectiveSeq: UInt64

        public init(config: DONConfig, version: UInt64, effectiveSeq: UInt64) {
            self.config = config
            self.version = version
            self.effectiveSeq = effectiveSeq
        }
    }

    public private(set) var chains: [String: [Entry]] = [:]
    /// Every config digest of every chain: OCR2 calldata names its config only by digest.
    private var byDigest: [[UInt8]: (don: String, index: Int)] = [:]

    public init(_ configs: [DONConfig] = []) {
        for c in configs { add(c) }
    }

    /// The latest config of each DON.
    public var configs: [String: DONConfig] { chains.mapValues { $0.last!.config } }

    /// The latest config of `id`.
    public subscript(id: String) -> DONConfig? { chains[id]?.last?.config }

    /// Sets `config` as the genesis of its DON (replacing any chain it had).
    public mutating func add(_ config: DONConfig) {
        for entry in chains[config.id] ?? [] { byDigest[entry.config.digest] = nil }
        chains[config.id] = [Entry(config: config, version: 1, effectiveSeq: 0)]
        byDigest[config.digest] = (config.id, 0)
    }

    /// The DON and config entry with this config digest, any version (OCR2 reports).
    public func entry(digest: [UInt8]) -> (don: String, entry: Entry, isCurrent: Bool)? {
        guard let (don, index) = byDigest[digest], let chain = chains[don] else { return nil }
        return (don, chain[index], index == chain.count - 1)
    }

    /// The config that judges report `seq` of DON `id`: the last one effective at or before it.
    public func config(don id: String, seq: UInt64) -> Entry? {
        chains[id]?.last { $0.effectiveSeq <= seq }
    }

    /// The entry of `id` whose config has this digest, if any (to explain a mismatch).
    public func entry(don id: String, digest: [UInt8]) -> Entry? {
        chains[id]?.first { $0.config.digest == digest }
    }

    public func version(of id: String) -> UInt64 { chains[id]?.last?.version ?? 0 }

    /// Updates applied over the genesis, all DONs together (the `registry_version` a validator is
    /// told, so it knows whether it has caught up).
    public var appliedUpdates: UInt64 { chains.values.reduce(0) { $0 + UInt64($1.count - 1) } }

    /// `apply` for data published on the registry topic (undecodable: `config_update_malformed`).
    @discardableResult
    public mutating func apply(data: [UInt8]) -> ConfigUpdateCheck.Outcome {
        guard let update = ConfigUpdateCheck.decode(data) else { return ConfigUpdateCheck.malformed }
        return apply(update)
    }

    /// Judges an update against the chain (see `ConfigUpdateCheck`) and appends it when valid.
    @discardableResult
    public mutating func apply(_ update: P2pmq_Don_ConfigUpdate) -> ConfigUpdateCheck.Outcome {
        let outcome = ConfigUpdateCheck.judge(update, against: self)
        if case .extends(let entry) = outcome {
            chains[update.donID]!.append(entry)
            byDigest[entry.config.digest] = (update.donID, chains[update.donID]!.count - 1)
        }
        return outcome
    }
}
