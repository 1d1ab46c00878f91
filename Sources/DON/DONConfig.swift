import Crypto
import Foundation
import Wire

/// One DON's signing configuration: who may sign its reports and how many must, plus the local
/// sequence thresholds this node applies to its reports.
public struct DONConfig: Sendable, Equatable {
    public var id: String
    /// Ed25519 public keys (32 raw bytes each), indexed by signer index.
    public var signers: [[UInt8]]
    public var quorum: QuorumRule
    public var thresholds: SequenceThresholds

    public init(id: String, signers: [[UInt8]], quorum: QuorumRule = .default, thresholds: SequenceThresholds = .init()) throws {
        self.id = id
        self.signers = signers
        self.quorum = quorum
        self.thresholds = thresholds
        try validate()
    }

    public var requiredSignatures: Int { quorum.required(signers: signers.count) }

    /// sha256 over the domain tag, the DON id, the quorum rule and the signer keys in order.
    /// Thresholds are local policy, not part of what the DON agreed on, so they are left out.
    public var digest: [UInt8] {
        var w = BinaryWriter(capacity: 64 + 32 * signers.count)
        w.short("p2pmq/don-config/v1".utf8)
        w.short(id.utf8)
        w.short(quorum.rawValue.utf8)
        w.u32(UInt32(signers.count))
        for key in signers { w.short(key) }
        return Array(SHA256.hash(data: w.bytes))
    }

    func validate() throws {
        guard !id.isEmpty, id.utf8.count <= 255 else {
            throw DONError(.invalidConfig, "DON id must be 1 to 255 bytes")
        }
        guard !signers.isEmpty, signers.count <= 1024 else {
            throw DONError(.invalidConfig, "DON \(id): needs 1 to 1024 signers, has \(signers.count)")
        }
        for (i, key) in signers.enumerated() where key.count != 32 {
            throw DONError(.invalidConfig, "DON \(id): signer \(i) key is \(key.count) bytes, Ed25519 keys are 32")
        }
        guard Set(signers).count == signers.count else {
            throw DONError(.invalidConfig, "DON \(id): the same signer key appears twice")
        }
        try thresholds.validate(don: id)
    }
}

/// The JSON file form written by `p2pmq don init` (`don.json`).
extension DONConfig {
    struct File: Codable {
        var id: String
        var signers: [String]
        var quorum: String
        var skipThreshold: UInt64
        var validityThreshold: UInt64
        var maxSeqGap: UInt64
    }

    public init(json: Data) throws {
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: json)
        } catch let DecodingError.keyNotFound(key, _) {
            throw DONError(.invalidConfig, "DON config is missing '\(key.stringValue)'")
        } catch {
            throw DONError(.invalidConfig, "DON config is not valid JSON of the expected shape: \(error)")
        }
        try self.init(file: file)
    }

    init(file: File) throws {
        guard let rule = QuorumRule(text: file.quorum) else {
            throw DONError(.invalidConfig, "DON \(file.id): unknown quorum rule '\(file.quorum)' (use n-f, f+1 or 2f+1)")
        }
        let keys = try file.signers.enumerated().map { i, text in
            guard let key = Data(base64Encoded: text) else {
                throw DONError(.invalidConfig, "DON \(file.id): signer \(i) key is not base64")
            }
            return Array(key)
        }
        try self.init(
            id: file.id, signers: keys, quorum: rule,
            thresholds: SequenceThresholds(skip: file.skipThreshold, validity: file.validityThreshold, maxSeqGap: file.maxSeqGap))
    }

    public static func load(path: String) throws -> DONConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DONError(.io, "cannot read DON config \(path)")
        }
        do { return try DONConfig(json: data) } catch let e as DONError {
            throw DONError(e.code, "\(path): \(e.message)")
        }
    }

    var file: File {
        File(id: id, signers: signers.map { Data($0).base64EncodedString() }, quorum: quorum.rawValue,
             skipThreshold: thresholds.skip, validityThreshold: thresholds.validity, maxSeqGap: thresholds.maxSeqGap)
    }

    public func json() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return (try? encoder.encode(self.file)) ?? Data()
    }
}
