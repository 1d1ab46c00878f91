import Crypto
import Foundation
import Wire

/// One DON's signing configuration: who may sign its reports and how many must, plus the local
/// sequence thresholds this node applies to its reports. Two schemes: `ed25519` (our envelope;
/// signers are Ed25519 keys) and `ocr2-evm` (an OCR2 contract's ConfigSet; signers are EVM
/// addresses, the digest is the contract's config digest).
public struct DONConfig: Sendable, Equatable {
    public var id: String
    /// Ed25519 public keys (32 raw bytes each), or for OCR2 the signer addresses (20 bytes),
    /// indexed by signer index.
    public var signers: [[UInt8]]
    public var quorum: QuorumRule
    public var thresholds: SequenceThresholds
    /// The ConfigSet of an EVM DON (`ocr2-evm` or `ocr3-evm`; nil: `ed25519`). OCR3 contracts
    /// state their configs in the same ConfigSet shape, with the same digest.
    public var ocr2: OCR2Config?
    /// How an EVM DON's reports are laid out and sequenced (OCR2: transmit, seq from configCount,
    /// epoch and round; OCR3: commit, seq = seqNr).
    public var evmLayout: EVMLayout = .ocr2

    public init(id: String, signers: [[UInt8]], quorum: QuorumRule = .default, thresholds: SequenceThresholds = .init()) throws {
        self.id = id
        self.signers = signers
        self.quorum = quorum
        self.thresholds = thresholds
        try validate()
    }

    /// An `ocr2-evm` DON: signers, f and digest are the ConfigSet's; quorum f+1 (OCR2Aggregator)
    /// or `unique`, (n+f)/2+1 (OCR2Base).
    public init(id: String, ocr2: OCR2Config, quorum: QuorumRule = .fPlusOne, thresholds: SequenceThresholds = .init(),
                layout: EVMLayout = .ocr2) throws {
        self.id = id
        self.signers = ocr2.signers.map(\.bytes)
        self.quorum = quorum
        self.thresholds = thresholds
        self.ocr2 = ocr2
        self.evmLayout = layout
        try validate()
    }

    public var scheme: ReportScheme { ocr2 == nil ? .ed25519 : (evmLayout == .ocr2 ? .ocr2EVM : .ocr3EVM) }

    /// The seq of an EVM transmission under this config: OCR2 (configCount - 1) << 40 | epoch << 8
    /// | round; OCR3 its seqNr.
    public func seq(of t: EVMTransmit) -> UInt64 {
        guard let ocr2, evmLayout == .ocr2 else { return t.seqNr }
        return ocr2.seq(epochAndRound: t.epochAndRound)
    }

    /// A transmission of this EVM DON for report `seq` with `report` bytes, signed by `keys`.
    public func transmit(seq: UInt64, report: [UInt8], keys: [SignerKey]) throws -> EVMTransmit {
        var t = try transmission(seq: seq, report: report)
        try t.sign(with: keys)
        return t
    }

    /// The unsigned transmission of report `seq` in this EVM DON's layout.
    func transmission(seq: UInt64, report: [UInt8]) throws -> EVMTransmit {
        guard let ocr2 else { throw DONError(.invalidConfig, "DON \(id) is an ed25519 DON: it signs SignedReports, not EVM transmissions") }
        guard evmLayout == .ocr2 else { return EVMTransmit(configDigest: ocr2.digest, seqNr: seq, report: report) }
        return try ocr2.transmission(seq: seq, report: report)
    }

    public var requiredSignatures: Int { quorum.required(signers: signers.count, f: ocr2.map { Int($0.f) }) }

    /// For OCR2 the contract's config digest; for ed25519 sha256 over the domain tag, the DON
    /// id, the quorum rule and the signer keys in order. Thresholds are local policy, not part of
    /// what the DON agreed on, so they are left out.
    public var digest: [UInt8] {
        if let ocr2 { return ocr2.digest }
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
        if let ocr2 {
            try ocr2.validate(don: id)
            guard signers == ocr2.signers.map(\.bytes) else { throw DONError(.invalidConfig, "DON \(id): signers differ from the OCR2 config's") }
            guard [.fPlusOne, .unique].contains(quorum) else {
                throw DONError(.invalidConfig, "DON \(id): an \(scheme.rawValue) DON's quorum is f+1 or unique ((n+f)/2+1), not \(quorum.rawValue)")
            }
        } else {
            for (i, key) in signers.enumerated() where key.count != 32 {
                throw DONError(.invalidConfig, "DON \(id): signer \(i) key is \(key.count) bytes, Ed25519 keys are 32")
            }
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
        /// `ed25519` (default when absent: files written before OCR2) or `ocr2-evm`.
        var scheme: String?
        /// Base64 Ed25519 keys, or 0x addresses for ocr2-evm.
        var signers: [String]
        var quorum: String
        var skipThreshold: UInt64
        var validityThreshold: UInt64
        var maxSeqGap: UInt64
        /// The rest of an OCR2 ConfigSet (signers are above).
        var ocr2: OCR2File?
    }

    struct OCR2File: Codable {
        var chainId: String
        var contractAddress: String
        var configCount: UInt64
        var transmitters: [String]
        var f: UInt8
        var onchainConfig: String
        var offchainConfigVersion: UInt64
        var offchainConfig: String
        /// Written for people and checked on load.
        var configDigest: String?
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
            throw DONError(.invalidConfig, "DON \(file.id): unknown quorum rule '\(file.quorum)' (use \(QuorumRule.names))")
        }
        let thresholds = SequenceThresholds(skip: file.skipThreshold, validity: file.validityThreshold, maxSeqGap: file.maxSeqGap)
        switch file.scheme ?? ReportScheme.ed25519.rawValue {
        case ReportScheme.ed25519.rawValue:
            break
        case ReportScheme.ocr2EVM.rawValue, ReportScheme.ocr3EVM.rawValue:
            let layout = ReportScheme(rawValue: file.scheme!)!.evmLayout!
            guard let o = file.ocr2 else { throw DONError(.invalidConfig, "DON \(file.id): scheme \(file.scheme!) needs an 'ocr2' section (the ConfigSet)") }
            var fields: [String: Any] = [
                "chainId": o.chainId, "contractAddress": o.contractAddress, "configCount": o.configCount, "signers": file.signers,
                "transmitters": o.transmitters, "f": Int(o.f), "onchainConfig": o.onchainConfig,
                "offchainConfigVersion": o.offchainConfigVersion, "offchainConfig": o.offchainConfig,
            ]
            if let d = o.configDigest { fields["configDigest"] = d }
            do {
                try self.init(id: file.id, ocr2: try OCR2Config(configSet: fields), quorum: rule, thresholds: thresholds, layout: layout)
            } catch let e as DONError {
                throw DONError(e.code, e.message.hasPrefix("DON ") ? e.message : "DON \(file.id): \(e.message)")
            }
            return
        case let other:
            throw DONError(.invalidConfig, "DON \(file.id): unknown scheme '\(other)' (\(ReportScheme.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let keys = try file.signers.enumerated().map { i, text in
            guard let key = Data(base64Encoded: text) else {
                throw DONError(.invalidConfig, "DON \(file.id): signer \(i) key is not base64")
            }
            return Array(key)
        }
        try self.init(id: file.id, signers: keys, quorum: rule, thresholds: thresholds)
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
        guard let o = ocr2 else {
            return File(id: id, signers: signers.map { Data($0).base64EncodedString() }, quorum: quorum.rawValue,
                        skipThreshold: thresholds.skip, validityThreshold: thresholds.validity, maxSeqGap: thresholds.maxSeqGap)
        }
        return File(id: id, scheme: scheme.rawValue, signers: o.signers.map(\.description), quorum: quorum.rawValue,
                    skipThreshold: thresholds.skip, validityThreshold: thresholds.validity, maxSeqGap: thresholds.maxSeqGap,
                    ocr2: OCR2File(chainId: "\(o.chainID)", contractAddress: o.contractAddress.description, configCount: o.configCount,
                                   transmitters: o.transmitters.map(\.description), f: o.f, onchainConfig: "0x" + Hex.encode(o.onchainConfig),
                                   offchainConfigVersion: o.offchainConfigVersion, offchainConfig: "0x" + Hex.encode(o.offchainConfig),
                                   configDigest: "0x" + Hex.encode(o.digest)))
    }

    public func json() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return (try? encoder.encode(self.file)) ?? Data()
    }
}
