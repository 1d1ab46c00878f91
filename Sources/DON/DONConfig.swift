import Crypto
import Foundation
import Wire

/// One DON's signing configuration: who may sign its reports and how many must, plus the local
/// sequence thresholds this node applies to its reports. Two kinds: `ed25519` (our envelope;
/// signers are Ed25519 keys) and EVM DONs (`ocr2-evm`, `ocr3-evm`, `datastreams`, `keystone`:
/// a contract's config; signers are EVM addresses, the digest is the contract's config digest).
public struct DONConfig: Sendable, Equatable {
    public var id: String
    /// Ed25519 public keys (32 raw bytes each), or for EVM DONs the signer addresses (20 bytes),
    /// indexed by signer index.
    public var signers: [[UInt8]]
    public var quorum: QuorumRule
    public var thresholds: SequenceThresholds
    /// The contract config of an EVM DON (nil: `ed25519`).
    public var evm: EVMContract?
    /// Reports older than this many seconds (by the time they state) are IGNOREd as `expired`;
    /// nil: the scheme's default (`defaultMaxAge`), 0: no limit.
    public var maxAge: UInt64?

    /// Chainlink's DON-to-DON layer drops reports older than 5 minutes.
    public static let defaultMaxAge: UInt64 = 300

    public init(id: String, signers: [[UInt8]], quorum: QuorumRule = .default, thresholds: SequenceThresholds = .init()) throws {
        self.id = id
        self.signers = signers
        self.quorum = quorum
        self.thresholds = thresholds
        try validate()
    }

    /// An EVM DON: signers, f and digest are the contract config's; quorum f+1 (OCR2Aggregator,
    /// Data Streams, Keystone) or, for OCR2/OCR3, `unique` ((n+f)/2+1, OCR2Base).
    public init(id: String, evm: EVMContract, quorum: QuorumRule = .fPlusOne, thresholds: SequenceThresholds = .init(),
                maxAge: UInt64? = nil) throws {
        self.id = id
        self.signers = evm.signers.map(\.bytes)
        self.quorum = quorum
        self.thresholds = thresholds
        self.evm = evm
        self.maxAge = maxAge
        try validate()
    }

    /// An `ocr2-evm` (or with `layout` .ocr3, `ocr3-evm`) DON of a ConfigSet.
    public init(id: String, ocr2: OCR2Config, quorum: QuorumRule = .fPlusOne, thresholds: SequenceThresholds = .init(),
                layout: EVMLayout = .ocr2) throws {
        try self.init(id: id, evm: .ocr(ocr2, layout), quorum: quorum, thresholds: thresholds)
    }

    /// A DON of freshly made signer `keys` in `scheme` (devnets, benchmarks, tests, `don init`):
    /// for EVM schemes a contract config the contract would accept (f = (n-1)/3, at least 1;
    /// OCR: ConfigSet of `configCount` for `chainID` and `contract`, random when nil).
    public static func fresh(id: String, scheme: ReportScheme, keys: [SignerKey], quorum: QuorumRule? = nil, thresholds: SequenceThresholds = .init(),
                             chainID: UInt64 = 1337, contract: EVMAddress? = nil, configCount: UInt64 = 1) throws -> DONConfig {
        let evm: EVMContract
        switch scheme {
        case .ed25519:
            return try DONConfig(id: id, signers: keys.map(\.publicKey), quorum: quorum ?? .default, thresholds: thresholds)
        case .ocr2EVM, .ocr3EVM:
            evm = .ocr(OCR2Config.fresh(for: keys, chainID: chainID, contract: contract, configCount: configCount), scheme.evmLayout!)
        case .dataStreams:
            evm = .dataStreams(DataStreamsConfig.fresh(for: keys))
        case .keystone:
            evm = .keystone(KeystoneConfig.fresh(for: keys))
        }
        return try DONConfig(id: id, evm: evm, quorum: quorum ?? .fPlusOne, thresholds: thresholds)
    }

    /// The ConfigSet of an `ocr2-evm` or `ocr3-evm` DON.
    public var ocr2: OCR2Config? {
        if case .ocr(let c, _) = evm { return c }
        return nil
    }

    /// How an EVM DON's calldata is laid out (nil: ed25519 or keystone).
    public var evmLayout: EVMLayout? { evm?.layout }

    public var scheme: ReportScheme { evm?.scheme ?? .ed25519 }

    /// The age limit in force: `maxAge`, else 5 minutes for the schemes whose reports state
    /// their time (Data Streams, Keystone); nil: none.
    public var effectiveMaxAge: UInt64? {
        let age = maxAge ?? ([.dataStreams, .keystone].contains(scheme) ? Self.defaultMaxAge : nil)
        return age == 0 ? nil : age
    }

    /// The seq of an EVM transmission under this config: OCR2 (configCount - 1) << 40 | epoch << 8
    /// | round; OCR3 its seqNr; Data Streams epoch << 8 | round (the seqNr LLO derived them from).
    public func seq(of t: EVMTransmit) -> UInt64 {
        switch evm {
        case .ocr(let c, .ocr2): c.seq(epochAndRound: t.epochAndRound)
        case .dataStreams: t.epochAndRound
        default: t.seqNr
        }
    }

    /// A transmission of this EVM DON for report `seq` with `report` bytes, signed by `keys`.
    public func transmit(seq: UInt64, report: [UInt8], keys: [SignerKey]) throws -> EVMTransmit {
        var t = try transmission(seq: seq, report: report)
        try t.sign(with: keys)
        return t
    }

    /// The unsigned transmission of report `seq` in this EVM DON's layout.
    func transmission(seq: UInt64, report: [UInt8]) throws -> EVMTransmit {
        switch evm {
        case .ocr(let c, .ocr2): return try c.transmission(seq: seq, report: report)
        case .ocr(let c, _): return EVMTransmit(configDigest: c.digest, seqNr: seq, report: report)
        case .dataStreams(let c): return try c.transmission(seqNr: seq, report: report)
        case .keystone: throw DONError(.invalidConfig, "DON \(id) is a keystone DON: it signs forwarder reports (KeystoneReport), not OCR transmissions")
        case nil: throw DONError(.invalidConfig, "DON \(id) is an ed25519 DON: it signs SignedReports, not EVM transmissions")
        }
    }

    public var requiredSignatures: Int { quorum.required(signers: signers.count, f: evm.map { Int($0.f) }) }

    /// For EVM DONs the contract's config digest; for ed25519 sha256 over the domain tag, the DON
    /// id, the quorum rule and the signer keys in order. Thresholds are local policy, not part of
    /// what the DON agreed on, so they are left out.
    public var digest: [UInt8] {
        if let evm { return evm.digest }
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
        if let evm {
            try evm.validate(don: id)
            guard signers == evm.signers.map(\.bytes) else { throw DONError(.invalidConfig, "DON \(id): signers differ from the contract config's") }
            if evm.exactlyFPlusOne {
                guard quorum == .fPlusOne else {
                    throw DONError(.invalidConfig, "DON \(id): a \(scheme.rawValue) DON's reports carry exactly f+1 signatures; its quorum is f+1, not \(quorum.rawValue)")
                }
            } else {
                guard [.fPlusOne, .unique].contains(quorum) else {
                    throw DONError(.invalidConfig, "DON \(id): an \(scheme.rawValue) DON's quorum is f+1 or unique ((n+f)/2+1), not \(quorum.rawValue)")
                }
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
        /// Seconds after which a report is `expired` (absent: the scheme's default).
        var maxAgeSeconds: UInt64?
        /// The rest of a Data Streams Verifier config or a KeystoneForwarder config (the fields
        /// `don import` reads; signers are above).
        var datastreams: DataStreamsFile?
        var keystone: KeystoneFile?
    }

    struct DataStreamsFile: Codable {
        var configDigest: String
        var f: UInt8
        var donId: UInt32?
        var feedId: String?
        var chainId: String?
        var contractAddress: String?
        var configCount: UInt64?
        var offchainTransmitters: [String]?
        var onchainConfig: String?
        var offchainConfigVersion: UInt64?
        var offchainConfig: String?

        var fields: [String: Any] {
            var o: [String: Any] = ["configDigest": configDigest, "f": Int(f)]
            if let donId { o["donId"] = Int(donId) }
            if let feedId { o["feedId"] = feedId }
            if let chainId { o["chainId"] = chainId }
            if let contractAddress { o["contractAddress"] = contractAddress }
            if let configCount { o["configCount"] = configCount }
            if let offchainTransmitters { o["offchainTransmitters"] = offchainTransmitters }
            if let onchainConfig { o["onchainConfig"] = onchainConfig }
            if let offchainConfigVersion { o["offchainConfigVersion"] = offchainConfigVersion }
            if let offchainConfig { o["offchainConfig"] = offchainConfig }
            return o
        }

        init(_ c: DataStreamsConfig) {
            configDigest = "0x" + Hex.encode(c.digest)
            f = c.f
            donId = c.donID == 0 ? nil : c.donID
            if let s = c.source {
                feedId = "0x" + Hex.encode(s.feedID)
                chainId = "\(s.chainID)"
                contractAddress = s.verifier.description
                configCount = s.configCount
                offchainTransmitters = s.offchainTransmitters.map { "0x" + Hex.encode($0) }
                onchainConfig = "0x" + Hex.encode(s.onchainConfig)
                offchainConfigVersion = s.offchainConfigVersion
                offchainConfig = "0x" + Hex.encode(s.offchainConfig)
            }
        }
    }

    struct KeystoneFile: Codable {
        var donId: UInt32
        var configVersion: UInt32
        var f: UInt8
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
                try self.init(id: file.id, evm: .ocr(try OCR2Config(configSet: fields), layout), quorum: rule, thresholds: thresholds,
                              maxAge: file.maxAgeSeconds)
            } catch let e as DONError {
                throw DONError(e.code, e.message.hasPrefix("DON ") ? e.message : "DON \(file.id): \(e.message)")
            }
            return
        case ReportScheme.dataStreams.rawValue, ReportScheme.keystone.rawValue:
            let scheme = ReportScheme(rawValue: file.scheme!)!
            guard var fields = scheme == .keystone ? file.keystone.map({ ["donId": Int($0.donId), "configVersion": Int($0.configVersion), "f": Int($0.f)] })
                                                   : file.datastreams?.fields else {
                throw DONError(.invalidConfig, "DON \(file.id): scheme \(scheme.rawValue) needs a '\(scheme.rawValue)' section (the contract's config)")
            }
            fields["signers"] = file.signers
            do {
                let evm: EVMContract = scheme == .keystone ? .keystone(try KeystoneConfig(configSet: fields))
                                                           : .dataStreams(try DataStreamsConfig(configSet: fields))
                try self.init(id: file.id, evm: evm, quorum: rule, thresholds: thresholds, maxAge: file.maxAgeSeconds)
            } catch let e as DONError {
                throw DONError(e.code, e.message.hasPrefix("DON ") ? e.message : "DON \(file.id): \(e.message)")
            }
            return
        case let other:
            throw DONError(.invalidConfig, "DON \(file.id): unknown scheme '\(other)' (\(ReportScheme.names))")
        }
        let keys = try file.signers.enumerated().map { i, text in
            guard let key = Data(base64Encoded: text) else {
                throw DONError(.invalidConfig, "DON \(file.id): signer \(i) key is not base64")
            }
            return Array(key)
        }
        try self.init(id: file.id, signers: keys, quorum: rule, thresholds: thresholds)
        maxAge = file.maxAgeSeconds
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
        var f = File(id: id, signers: signers.map { Data($0).base64EncodedString() }, quorum: quorum.rawValue,
                     skipThreshold: thresholds.skip, validityThreshold: thresholds.validity, maxSeqGap: thresholds.maxSeqGap,
                     maxAgeSeconds: maxAge)
        guard let evm else { return f }
        f.scheme = scheme.rawValue
        f.signers = evm.signers.map(\.description)
        switch evm {
        case .dataStreams(let c): f.datastreams = DataStreamsFile(c)
        case .keystone(let c): f.keystone = KeystoneFile(donId: c.donID, configVersion: c.configVersion, f: c.f)
        default: break
        }
        if let o = ocr2 {
            f.ocr2 = OCR2File(chainId: "\(o.chainID)", contractAddress: o.contractAddress.description, configCount: o.configCount,
                              transmitters: o.transmitters.map(\.description), f: o.f, onchainConfig: "0x" + Hex.encode(o.onchainConfig),
                              offchainConfigVersion: o.offchainConfigVersion, offchainConfig: "0x" + Hex.encode(o.offchainConfig),
                              configDigest: "0x" + Hex.encode(o.digest))
        }
        return f
    }

    public func json() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return (try? encoder.encode(self.file)) ?? Data()
    }
}
