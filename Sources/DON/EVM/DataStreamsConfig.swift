import Foundation
import Wire

/// A Data Streams DON's config as its Verifier contract holds it (chainlink-evm
/// `contracts/src/v0.8/llo-feeds/`): a config digest, the signer addresses and f. Reports are
/// verified against exactly f+1 signatures of distinct signers.
///
/// Where the digest comes from: the v0.3 Verifier computes it (`_configDigestFromConfigData`:
/// keccak256 of abi.encode(feedId, chainId, verifier, configCount, signers, offchainTransmitters,
/// f, onchainConfig, offchainConfigVersion, offchainConfig), prefix 0x0006), so an import with
/// those fields is recomputed and checked; the v0.5 Verifier takes the digest the Configurator
/// computed (prefix 0x0009 for LLO) as given in its `ConfigSet(configDigest, signers, f)`, so
/// then only its prefix is checked.
public struct DataStreamsConfig: Sendable, Equatable {
    /// The v0.3 Verifier's ConfigSet fields the digest is computed from.
    public struct Source: Sendable, Equatable {
        public var feedID: [UInt8]
        public var chainID: UInt64
        public var verifier: EVMAddress
        public var configCount: UInt64
        public var offchainTransmitters: [[UInt8]]
        public var onchainConfig: [UInt8]
        public var offchainConfigVersion: UInt64
        public var offchainConfig: [UInt8]

        public init(feedID: [UInt8], chainID: UInt64, verifier: EVMAddress, configCount: UInt64, offchainTransmitters: [[UInt8]],
                    onchainConfig: [UInt8] = [], offchainConfigVersion: UInt64 = 1, offchainConfig: [UInt8] = []) {
            self.feedID = feedID
            self.chainID = chainID
            self.verifier = verifier
            self.configCount = configCount
            self.offchainTransmitters = offchainTransmitters
            self.onchainConfig = onchainConfig
            self.offchainConfigVersion = offchainConfigVersion
            self.offchainConfig = offchainConfig
        }

        /// The v0.3 Verifier's digest of these fields with `signers` and `f`.
        public func digest(signers: [EVMAddress], f: UInt8) -> [UInt8] {
            let encoded = ABIValue.encode([
                .word(feedID), .word(ABIValue.uint(chainID)), .word(ABIValue.address(verifier)), .word(ABIValue.uint(configCount)),
                .words(signers.map(ABIValue.address)), .words(offchainTransmitters), .word(ABIValue.uint(UInt64(f))),
                .bytes(onchainConfig), .word(ABIValue.uint(offchainConfigVersion)), .bytes(offchainConfig),
            ])
            return DataStreamsConfig.mercuryPrefix + Keccak256.hash(encoded).dropFirst(2)
        }
    }

    /// libocr's ConfigDigestPrefixMercuryV02 (v0.3 Verifier) and ConfigDigestPrefixLLO (v0.5).
    public static let mercuryPrefix: [UInt8] = [0x00, 0x06]
    public static let lloPrefix: [UInt8] = [0x00, 0x09]

    public var digest: [UInt8]
    public var signers: [EVMAddress]
    public var f: UInt8
    /// The fields the digest was computed from, when known.
    public var source: Source?
    /// The LLO DON id, put in each report context's extra hash as donId << 32 | 1 (0 for the
    /// legacy Mercury plugin, whose extra hash is zero).
    public var donID: UInt32

    /// A config whose digest is given (v0.5 Verifier ConfigSet).
    public init(digest: [UInt8], signers: [EVMAddress], f: UInt8, donID: UInt32 = 0) throws {
        guard digest.count == 32 else { throw DONError(.invalidConfig, "a config digest is 32 bytes, got \(digest.count)") }
        guard [Self.mercuryPrefix, Self.lloPrefix].contains(Array(digest.prefix(2))) else {
            throw DONError(.invalidConfig, "config digest 0x\(Hex.encode(digest)) does not start with a Data Streams prefix (0x0006 Mercury v0.2, 0x0009 LLO)")
        }
        self.digest = digest
        self.signers = signers
        self.f = f
        self.donID = donID
    }

    /// A config computed from the v0.3 Verifier's fields.
    public init(source: Source, signers: [EVMAddress], f: UInt8, donID: UInt32 = 0) {
        self.digest = source.digest(signers: signers, f: f)
        self.signers = signers
        self.f = f
        self.source = source
        self.donID = donID
    }

    /// The Verifier's `checkConfigValid` and `_setConfig` rules (`EVMContract.validateSignerSet`).
    public func validate(don: String) throws { try EVMContract.validateSignerSet(signers, f: f, don: don) }

    /// The extra hash LLO reports carry (chainlink-data-streams `LLOExtraHash`).
    public var extraHash: [UInt8] { donID == 0 ? [UInt8](repeating: 0, count: 32) : ABIValue.uint(UInt64(donID) << 32 | 1) }

    /// The signed report for `seqNr` (epoch = seqNr / 256, round = seqNr % 256), unsigned.
    public func transmission(seqNr: UInt64, report: [UInt8]) throws -> EVMTransmit {
        guard seqNr / 256 <= UInt64(UInt32.max) else { throw DONError(.invalidReport, "seqNr \(seqNr): its epoch overflows uint32") }
        return EVMTransmit(configDigest: digest, epoch: UInt32(seqNr / 256), round: UInt8(seqNr % 256), extraHash: extraHash,
                           report: report, layout: .dataStreams)
    }

    /// A config of fresh keys (devnets, benchmarks, tests): v0.3 fields with random transmitters,
    /// so the digest is one the Verifier would compute.
    public static func fresh(for keys: [SignerKey], feedID: [UInt8]? = nil, donID: UInt32 = 1) -> DataStreamsConfig {
        let source = Source(feedID: feedID ?? [0x00, 0x03] + (0..<30).map { _ in UInt8.random(in: 0...255) }, chainID: 1337,
                            verifier: OCR2Config.randomAddress(), configCount: 1,
                            offchainTransmitters: keys.map { _ in (0..<32).map { _ in UInt8.random(in: 0...255) } }, offchainConfigVersion: 30)
        return DataStreamsConfig(source: source, signers: keys.compactMap(\.address), f: UInt8(clamping: max(1, (keys.count - 1) / 3)), donID: donID)
    }
}

/// The JSON forms `don import --family datastreams` reads and `don.json` keeps.
extension DataStreamsConfig {
    /// `configDigest`, `signers`, `f` (v0.5 ConfigSet), optionally `donId`; with `feedId`,
    /// `chainId`, `contractAddress`, `configCount`, `offchainTransmitters`, `onchainConfig`,
    /// `offchainConfigVersion` and `offchainConfig` (v0.3 ConfigSet) the digest is recomputed and
    /// a given one must match.
    public init(configSet o: [String: Any]) throws {
        let fields = JSONFields(o)
        let signers = try fields.addresses("signers")
        let f = try fields.number("f")
        guard f <= 255 else { throw DONError(.invalidConfig, "'f' must fit a uint8, got \(f)") }
        let donID = try o["donId"] == nil ? 0 : fields.number("donId")
        guard donID <= UInt64(UInt32.max) else { throw DONError(.invalidConfig, "'donId' must fit a uint32, got \(donID)") }
        if o["feedId"] != nil || o["offchainTransmitters"] != nil {
            let source = Source(feedID: try fields.word("feedId"), chainID: try fields.number("chainId"), verifier: try fields.address("contractAddress"),
                                configCount: try fields.number("configCount"), offchainTransmitters: try fields.words("offchainTransmitters"),
                                onchainConfig: try fields.hex("onchainConfig"), offchainConfigVersion: try fields.number("offchainConfigVersion"),
                                offchainConfig: try fields.hex("offchainConfig"))
            self.init(source: source, signers: signers, f: UInt8(f), donID: UInt32(donID))
            if o["configDigest"] != nil {
                let given = try fields.hex("configDigest")
                guard given == digest else {
                    throw DONError(.invalidConfig, "'configDigest' is 0x\(Hex.encode(given)) but the fields give 0x\(Hex.encode(digest)) (the v0.3 Verifier's digest of feedId, chainId, contractAddress, configCount, signers, offchainTransmitters, f, onchainConfig, offchainConfigVersion, offchainConfig)")
                }
            }
            return
        }
        try self.init(digest: try fields.hex("configDigest"), signers: signers, f: UInt8(f), donID: UInt32(donID))
    }
}
