import Foundation

/// A folder written by `p2pmq don init`: `don.json` and one `signer-<i>.key` per node.
public struct DONDirectory {
    public let path: String

    public init(path: String) { self.path = path }

    public var configPath: String { path + "/don.json" }
    public func keyPath(_ index: Int) -> String { path + "/signer-\(index).key" }

    /// Creates a new DON of `nodes` signers with fresh keys. Refuses to overwrite an existing DON.
    public static func create(at path: String, id: String, nodes: Int, quorum: QuorumRule, thresholds: SequenceThresholds) throws -> (DONConfig, [SignerKey]) {
        let dir = DONDirectory(path: path)
        let fm = FileManager.default
        if fm.fileExists(atPath: dir.configPath) {
            throw DONError(.io, "\(dir.configPath) already exists; choose another --out or delete it")
        }
        do { try fm.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
            throw DONError(.io, "cannot create \(path): \(error.localizedDescription)")
        }
        let keys = (0..<nodes).map(SignerKey.generate)
        let config = try DONConfig(id: id, signers: keys.map(\.publicKey), quorum: quorum, thresholds: thresholds)
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
