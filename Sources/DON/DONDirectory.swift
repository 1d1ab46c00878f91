import Foundation

/// A folder written by `p2pmq don init`: `don.json` and one `signer-<i>.key` per node.
public struct DONDirectory {
    public let path: String

    public init(path: String) { self.path = path }

    public var configPath: String { path + "/don.json" }
    /// The config's version in its DON's chain (1 for `don init`; `don rotate` writes it).
    public var versionPath: String { path + "/version" }
    /// The signed config update that introduced this config (written by `don rotate`).
    public var updatePath: String { path + "/update.bin" }

    public func version() -> UInt64 {
        FileManager.default.contents(atPath: versionPath)
            .flatMap { String(data: $0, encoding: .utf8) }
            .flatMap { UInt64($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 1
    }
    public func keyPath(_ index: Int) -> String { path + "/signer-\(index).key" }

    /// Creates a new DON of `nodes` signers with fresh keys. Refuses to overwrite an existing DON.
    /// EVM schemes: secp256k1 keys and the contract config of `DONConfig.fresh`.
    public static func create(at path: String, id: String, nodes: Int, quorum: QuorumRule, thresholds: SequenceThresholds,
                              scheme: ReportScheme = .ed25519, chainID: UInt64 = 1337, contract: EVMAddress? = nil,
                              configCount: UInt64 = 1) throws -> (DONConfig, [SignerKey]) {
        let dir = try prepare(path)
        let fm = FileManager.default
        let keys = (0..<nodes).map { SignerKey.generate(index: $0, scheme: scheme) }
        let config = try DONConfig.fresh(id: id, scheme: scheme, keys: keys, quorum: quorum, thresholds: thresholds, chainID: chainID,
                                         contract: contract, configCount: configCount)
        for key in keys {
            let file = dir.keyPath(key.index)
            guard fm.createFile(atPath: file, contents: Data((key.seedBase64 + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
                throw DONError(.io, "cannot write \(file)")
            }
        }
        guard fm.createFile(atPath: dir.configPath, contents: config.json()) else {
            throw DONError(.io, "cannot write \(dir.configPath)")
        }
        return (config, keys)
    }

    public func config() throws -> DONConfig { try DONConfig.load(path: configPath) }

    /// Writes `config` (no keys: an imported OCR2 DON's keys stay on its nodes) as `path`/don.json.
    public static func write(_ config: DONConfig, at path: String) throws {
        let dir = try prepare(path)
        guard FileManager.default.createFile(atPath: dir.configPath, contents: config.json()) else { throw DONError(.io, "cannot write \(dir.configPath)") }
    }

    /// The folder for a new DON config: created if missing; one that holds a config is refused.
    private static func prepare(_ path: String) throws -> DONDirectory {
        let dir = DONDirectory(path: path)
        let fm = FileManager.default
        if fm.fileExists(atPath: dir.configPath) {
            throw DONError(.io, "\(dir.configPath) already exists; choose another --out or delete it")
        }
        do { try fm.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
            throw DONError(.io, "cannot create \(path): \(error.localizedDescription)")
        }
        return dir
    }

    /// Creates the DON's next config in `newPath` (fresh keys for `nodes` signers) and the
    /// update that installs it from `effectiveSeq` on, signed by `signers` of this config. For an
    /// ocr2-evm DON the next config is its contract's next ConfigSet: `configSet` (imported, no
    /// keys), or one with fresh keys and configCount + 1; it takes effect at its first seq.
    public func rotate(to newPath: String, nodes: Int, quorum: QuorumRule, effectiveSeq: UInt64, signers: [Int]? = nil,
                       configSet: OCR2Config? = nil) throws -> (DONConfig, P2pmq_Don_ConfigUpdate) {
        let current = try config()
        let keys = try keys(signers ?? Array(0..<current.requiredSignatures))
        let next: DONConfig
        if current.evm != nil {
            guard let ocr2 = current.ocr2, current.evmLayout == .ocr2 else {
                throw DONError(.invalidConfig, "\(current.id) is a \(current.scheme.rawValue) DON: its seqNrs restart with each config, so a next config cannot take effect at a seq; put the new config in the genesis")
            }
            if let configSet {
                next = try DONConfig(id: current.id, ocr2: configSet, quorum: quorum, thresholds: current.thresholds)
                try DONDirectory.write(next, at: newPath)
            } else {
                (next, _) = try DONDirectory.create(at: newPath, id: current.id, nodes: nodes, quorum: quorum, thresholds: current.thresholds,
                                                    scheme: .ocr2EVM, chainID: ocr2.chainID, contract: ocr2.contractAddress, configCount: ocr2.configCount + 1)
            }
        } else {
            guard configSet == nil else { throw DONError(.invalidConfig, "\(current.id) is an ed25519 DON: it takes no OCR2 ConfigSet") }
            (next, _) = try DONDirectory.create(at: newPath, id: current.id, nodes: nodes, quorum: quorum, thresholds: current.thresholds)
        }
        let entry = DONRegistry.Entry(config: current, version: version(), effectiveSeq: 0)
        let update = try ConfigUpdateCheck.make(replacing: entry, with: next, effectiveSeq: effectiveSeq, keys: keys)
        let dir = DONDirectory(path: newPath)
        let fm = FileManager.default
        guard fm.createFile(atPath: dir.versionPath, contents: Data("\(update.version)\n".utf8)),
              fm.createFile(atPath: dir.updatePath, contents: try update.serializedData())
        else { throw DONError(.io, "cannot write \(dir.updatePath)") }
        return (next, update)
    }

    /// The signer keys with the given indexes (all present ones when nil).
    public func keys(_ indexes: [Int]? = nil) throws -> [SignerKey] {
        let config = try config()
        let wanted = indexes ?? Array(0..<config.signers.count)
        return try wanted.map { i in
            guard i >= 0, i < config.signers.count else {
                throw DONError(.invalidKey, "signer \(i) is out of range; DON \(config.id) has \(config.signers.count) signers")
            }
            return try SignerKey.load(path: keyPath(i), index: i)
        }
    }
}
