import Crypto
import Foundation
import Wire

/// What signers of a config update sign: sha256 over a domain tag and every field but the
/// signatures, in a fixed binary layout (as `ReportDigest`, not the protobuf bytes).
public enum ConfigUpdateDigest {
    public static let domain = "p2pmq/config-update/v1"

    public static func of(_ u: P2pmq_Don_ConfigUpdate) -> [UInt8] {
        var w = BinaryWriter(capacity: 128 + 34 * u.signers.count)
        w.short(domain.utf8)
        w.short(u.donID.utf8)
        w.u64(u.version)
        w.short(u.previousDigest)
        w.u32(UInt32(u.signers.count))
        for key in u.signers { w.short(key) }
        w.short(u.quorum.utf8)
        w.u64(u.effectiveSeq)
        // An ocr2-evm update's ConfigSet fields follow (Ed25519 updates sign what they always did).
        if u.hasOcr2 {
            let o = u.ocr2
            w.short("ocr2".utf8)
            w.u64(o.chainID)
            w.short(o.contractAddress)
            w.u64(o.configCount)
            w.u32(UInt32(o.transmitters.count))
            for t in o.transmitters { w.short(t) }
            w.u32(o.f)
            w.long(o.onchainConfig)
            w.u64(o.offchainConfigVersion)
            w.long(o.offchainConfig)
        }
        return Array(SHA256.hash(data: w.bytes))
    }
}

/// The chain rule for DON config updates on the registry topic (docs/DON.md, "Key registry").
public enum ConfigUpdateCheck {
    public enum Outcome: Sendable, Equatable {
        /// The next link of the DON's chain: apply it.
        case extends(DONRegistry.Entry)
        /// Already applied (the same update again): nothing to do, nobody to blame.
        case known
        /// Not judgeable yet: it follows a version this node has not seen (range sync brings the
        /// missing ones), or names a DON outside the genesis. No penalty.
        case ahead(String)
        /// Invalid: bad or too few signatures of the previous config, a conflicting update for an
        /// applied version, a malformed config, or a non-increasing effective seq. Penalized.
        case invalid(String)

        public var reason: String {
            switch self {
            case .extends(let e): return "config_update: \(e.config.id) v\(e.version) from seq \(e.effectiveSeq)"
            case .known: return "config_update_known"
            case .ahead(let why): return "config_update_ahead: \(why)"
            case .invalid(let why): return why
            }
        }
    }

    /// The update in data published on the registry topic, nil when it is not one.
    public static func decode(_ data: [UInt8]) -> P2pmq_Don_ConfigUpdate? {
        guard let u = try? P2pmq_Don_ConfigUpdate(serializedBytes: data), !u.donID.isEmpty else { return nil }
        return u
    }

    static let malformed = Outcome.invalid("config_update_malformed: data on the registry topic is not a ConfigUpdate")

    /// Judges data published on the registry topic (undecodable data is `config_update_malformed`).
    public static func judge(data: [UInt8], against registry: DONRegistry) -> Outcome {
        decode(data).map { judge($0, against: registry) } ?? malformed
    }

    public static func judge(_ u: P2pmq_Don_ConfigUpdate, against registry: DONRegistry) -> Outcome {
        guard let chain = registry.chains[u.donID], let last = chain.last else {
            return .ahead("DON '\(u.donID)' is not in the genesis")
        }
        guard last.config.evm == nil || last.config.evmLayout == .ocr2 else {
            return .invalid("config_update_unsupported: \(u.donID) is a \(last.config.scheme.rawValue) DON; its seqNrs restart with each config, so an update cannot take effect at a seq")
        }
        // A DON keeps its scheme: an ocr2-evm DON's next config is its contract's next ConfigSet.
        guard (last.config.ocr2 != nil) == u.hasOcr2 else {
            return .invalid(u.hasOcr2 ? "config_update_malformed: \(u.donID) is an ed25519 DON; the update carries an OCR2 ConfigSet"
                                      : "config_update_malformed: \(u.donID) is an ocr2-evm DON; the update carries no OCR2 ConfigSet")
        }
        if u.version <= last.version {
            guard let applied = chain.first(where: { $0.version == u.version }), u.version > 1 else {
                return .invalid("config_update_conflict: \(u.donID) v\(u.version) is the genesis version")
            }
            let prior = chain.first { $0.version == u.version - 1 }!
            let same = applied.config.signers == u.signers.map { Array($0) } && applied.config.quorum.rawValue == u.quorum
                && applied.effectiveSeq == u.effectiveSeq && Array(u.previousDigest) == prior.config.digest
            return same ? .known : .invalid("config_update_conflict: \(u.donID) v\(u.version) differs from the applied v\(u.version)")
        }
        guard u.version == last.version + 1 else {
            return .ahead("\(u.donID) v\(u.version) follows v\(u.version - 1); this node has v\(last.version)")
        }
        guard Array(u.previousDigest) == last.config.digest else {
            return .invalid("config_update_wrong_previous: \(u.donID) v\(u.version) does not name v\(last.version)'s config digest")
        }
        guard u.effectiveSeq > last.effectiveSeq else {
            return .invalid("config_update_bad_seq: \(u.donID) v\(u.version) effective seq \(u.effectiveSeq) is not after v\(last.version)'s \(last.effectiveSeq)")
        }
        guard let rule = QuorumRule(text: u.quorum) else {
            return .invalid("config_update_malformed: unknown quorum rule '\(u.quorum)'")
        }
        let config: DONConfig
        do {
            if let previous = last.config.ocr2 {
                let ocr2 = try OCR2Config(update: u)
                guard ocr2.configCount > previous.configCount, u.effectiveSeq == ocr2.firstSeq else {
                    return .invalid("config_update_bad_seq: \(u.donID) v\(u.version) is config \(ocr2.configCount) from seq \(u.effectiveSeq); it must follow config \(previous.configCount) and take effect at its first seq \(ocr2.firstSeq)")
                }
                config = try DONConfig(id: u.donID, ocr2: ocr2, quorum: rule, thresholds: last.config.thresholds)
            } else {
                config = try DONConfig(id: u.donID, signers: u.signers.map { Array($0) }, quorum: rule, thresholds: last.config.thresholds)
            }
        } catch let e as DONError {
            return .invalid("config_update_malformed: \(e.message)")
        } catch {
            return .invalid("config_update_malformed: \(error)")
        }
        // Signed by a quorum of the config it replaces: the same rule as a report of that config.
        var signed = P2pmq_Don_SignedReport()
        signed.signatures = u.signatures
        let scheme: any SignatureScheme = last.config.evm == nil ? Ed25519Scheme() : Secp256k1AddressScheme()
        if let (reason, detail) = QuorumVerifier.check(signed, digest: ConfigUpdateDigest.of(u), config: last.config, scheme: scheme) {
            return .invalid("config_update_\(reason.rawValue): \(detail) (v\(last.version)'s signers must sign v\(u.version))")
        }
        return .extends(DONRegistry.Entry(config: config, version: u.version, effectiveSeq: u.effectiveSeq))
    }

    /// Builds and signs the update that replaces `entry` (the DON's latest) with `next`, signed
    /// by `keys` of the current config.
    public static func make(replacing entry: DONRegistry.Entry, with next: DONConfig, effectiveSeq: UInt64, keys: [SignerKey]) throws -> P2pmq_Don_ConfigUpdate {
        var u = P2pmq_Don_ConfigUpdate()
        u.donID = entry.config.id
        u.version = entry.version + 1
        u.previousDigest = Data(entry.config.digest)
        u.signers = next.signers.map { Data($0) }
        u.quorum = next.quorum.rawValue
        u.effectiveSeq = effectiveSeq
        if let o = next.ocr2 {
            u.effectiveSeq = o.firstSeq
            u.ocr2 = .with {
                $0.chainID = o.chainID
                $0.contractAddress = Data(o.contractAddress.bytes)
                $0.configCount = o.configCount
                $0.transmitters = o.transmitters.map { Data($0.bytes) }
                $0.f = UInt32(o.f)
                $0.onchainConfig = Data(o.onchainConfig)
                $0.offchainConfigVersion = o.offchainConfigVersion
                $0.offchainConfig = Data(o.offchainConfig)
            }
        }
        u.signatures = try SignerKey.signatures(over: ConfigUpdateDigest.of(u), by: keys)
        return u
    }
}
