import Foundation
import Wire

/// An OCR2 contract's configuration as its `ConfigSet` event states it, and the config digest the
/// contract computes from it (OCR2Base `_configDigestFromConfigData`): keccak256 of the ABI
/// encoding of the nine values below, its first two bytes replaced by the EVM prefix 0x0001.
/// Every report the DON signs under this config names that digest.
public struct OCR2Config: Sendable, Equatable {
    public var chainID: UInt64
    public var contractAddress: EVMAddress
    /// How many configs the contract had, this one included (1 for the first).
    public var configCount: UInt64
    public var signers: [EVMAddress]
    public var transmitters: [EVMAddress]
    public var f: UInt8
    public var onchainConfig: [UInt8]
    public var offchainConfigVersion: UInt64
    public var offchainConfig: [UInt8]

    public init(chainID: UInt64, contractAddress: EVMAddress, configCount: UInt64, signers: [EVMAddress], transmitters: [EVMAddress],
                f: UInt8, onchainConfig: [UInt8] = [], offchainConfigVersion: UInt64 = 1, offchainConfig: [UInt8] = []) {
        self.chainID = chainID
        self.contractAddress = contractAddress
        self.configCount = configCount
        self.signers = signers
        self.transmitters = transmitters
        self.f = f
        self.onchainConfig = onchainConfig
        self.offchainConfigVersion = offchainConfigVersion
        self.offchainConfig = offchainConfig
    }

    public var digest: [UInt8] {
        let encoded = ABIValue.encode([
            .word(ABIValue.uint(chainID)), .word(ABIValue.address(contractAddress)), .word(ABIValue.uint(configCount)),
            .words(signers.map(ABIValue.address)), .words(transmitters.map(ABIValue.address)), .word(ABIValue.uint(UInt64(f))),
            .bytes(onchainConfig), .word(ABIValue.uint(offchainConfigVersion)), .bytes(offchainConfig),
        ])
        return [0x00, 0x01] + Keccak256.hash(encoded).dropFirst(2)
    }

    /// OCR2Base's rules for a config: 1 to 31 oracles, as many transmitters as signers, f > 0,
    /// 3f < n, no signer twice.
    public func validate(don: String) throws {
        guard (1...31).contains(signers.count) else { throw DONError(.invalidConfig, "DON \(don): OCR2 allows 1 to 31 signers, has \(signers.count)") }
        guard transmitters.count == signers.count else {
            throw DONError(.invalidConfig, "DON \(don): \(signers.count) signers but \(transmitters.count) transmitters")
        }
        guard f > 0, 3 * Int(f) < signers.count else { throw DONError(.invalidConfig, "DON \(don): f = \(f) needs f > 0 and 3f < n (n = \(signers.count))") }
        guard Set(signers).count == signers.count else { throw DONError(.invalidConfig, "DON \(don): a signer address appears twice") }
    }

    /// The sequence number of a report under this config: (configCount - 1) << 40 | epoch << 8 |
    /// round. Within a config it grows as OCR2 contracts require epochAndRound to; a new config
    /// (configCount + 1) restarts epochs at 0 but lands above every report of the previous one.
    public func seq(epochAndRound: UInt64) -> UInt64 { (configCount &- 1) << 40 | (epochAndRound & 0xff_ffff_ffff) }

    /// The first seq under this config (where a config update takes effect).
    public var firstSeq: UInt64 { (configCount &- 1) << 40 }
}

/// The JSON form of a ConfigSet event's fields (`p2pmq don import-ocr2`): `chainId` (a number or
/// a decimal string), `contractAddress`, `configCount`, `signers`, `transmitters`, `f`,
/// `onchainConfig`, `offchainConfigVersion`, `offchainConfig` (0x hex), and optionally
/// `configDigest`, checked against the computed one.
extension OCR2Config {
    public init(configSetJSON data: Data) throws {
        try self.init(configSet: try JSONFields.object(data, what: "ConfigSet"))
    }

    /// From the fields; `configDigest`, when present, must be the one these fields give.
    public init(configSet o: [String: Any]) throws {
        let fields = JSONFields(o)
        let f = try fields.number("f")
        guard f <= 255 else { throw DONError(.invalidConfig, "'f' must fit a uint8, got \(f)") }
        self.init(chainID: try fields.number("chainId"), contractAddress: try fields.address("contractAddress"),
                  configCount: try fields.number("configCount"), signers: try fields.addresses("signers"), transmitters: try fields.addresses("transmitters"),
                  f: UInt8(f), onchainConfig: try fields.hex("onchainConfig"), offchainConfigVersion: try fields.number("offchainConfigVersion"),
                  offchainConfig: try fields.hex("offchainConfig"))
        if o["configDigest"] != nil {
            let given = try fields.hex("configDigest")
            guard given == digest else {
                throw DONError(.invalidConfig, "'configDigest' is 0x\(Hex.encode(given)) but the fields give 0x\(Hex.encode(digest)) (OCR2Base's digest of chainId, contractAddress, configCount, signers, transmitters, f, onchainConfig, offchainConfigVersion, offchainConfig)")
            }
        }
    }

    /// The fields as JSON values (what `import-ocr2` reads, with the digest).
    public var configSet: [String: Any] {
        [
            "chainId": "\(chainID)", "contractAddress": contractAddress.description, "configCount": configCount,
            "signers": signers.map(\.description), "transmitters": transmitters.map(\.description), "f": Int(f),
            "onchainConfig": "0x" + Hex.encode(onchainConfig), "offchainConfigVersion": offchainConfigVersion,
            "offchainConfig": "0x" + Hex.encode(offchainConfig), "configDigest": "0x" + Hex.encode(digest),
        ]
    }
}

extension OCR2Config {
    /// The ConfigSet a registry config update carries (its signers and its OCR2 fields).
    init(update u: P2pmq_Don_ConfigUpdate) throws {
        let o = u.ocr2
        guard o.f <= 255 else { throw DONError(.invalidConfig, "f \(o.f) does not fit a uint8") }
        self.init(chainID: o.chainID, contractAddress: try EVMAddress(bytes: Array(o.contractAddress)), configCount: o.configCount,
                  signers: try u.signers.map { try EVMAddress(bytes: Array($0)) }, transmitters: try o.transmitters.map { try EVMAddress(bytes: Array($0)) },
                  f: UInt8(o.f), onchainConfig: Array(o.onchainConfig), offchainConfigVersion: o.offchainConfigVersion,
                  offchainConfig: Array(o.offchainConfig))
    }

    /// The epoch and round of report `seq` under this config (the inverse of `seq(epochAndRound:)`),
    /// nil when `seq` is not one of its seqs.
    public func epochAndRound(seq: UInt64) -> (epoch: UInt32, round: UInt8)? {
        guard seq >= firstSeq, seq - firstSeq < 1 << 40 else { return nil }
        let within = seq - firstSeq
        return (UInt32(within >> 8), UInt8(within & 0xff))
    }

    /// Transmit calldata for report `seq` with `report` bytes, signed by `keys` (OCR2 signers).
    public func transmit(seq: UInt64, report: [UInt8], keys: [SignerKey]) throws -> EVMTransmit {
        var t = try transmission(seq: seq, report: report)
        try t.sign(with: keys)
        return t
    }

    /// The unsigned transmission of report `seq` under this config.
    func transmission(seq: UInt64, report: [UInt8]) throws -> EVMTransmit {
        guard let (epoch, round) = epochAndRound(seq: seq) else {
            throw DONError(.invalidReport, "seq \(seq) is not a seq of config \(configCount) (from \(firstSeq))")
        }
        return EVMTransmit(configDigest: digest, epoch: epoch, round: round, report: report)
    }

    /// A ConfigSet for freshly made signer keys (devnets, benchmarks, tests): f = (n-1)/3 (at
    /// least 1), random transmitters, `contract` or a random one.
    public static func fresh(for keys: [SignerKey], chainID: UInt64 = 1337, contract: EVMAddress? = nil, configCount: UInt64 = 1) -> OCR2Config {
        OCR2Config(chainID: chainID, contractAddress: contract ?? randomAddress(), configCount: configCount,
                   signers: keys.compactMap(\.address), transmitters: keys.map { _ in randomAddress() },
                   f: UInt8(clamping: max(1, (keys.count - 1) / 3)), offchainConfigVersion: 2)
    }

    /// A random address (a devnet's contract or transmitters).
    public static func randomAddress() -> EVMAddress { try! EVMAddress(bytes: (0..<20).map { _ in UInt8.random(in: 0...255) }) }
}
