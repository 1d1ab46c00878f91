import Wire

/// An EVM DON's report as it travels, whichever family: the `(reportContext, report, rs, ss,
/// rawVs)` layouts (OCR2, OCR3, Data Streams) or KeystoneForwarder calldata. What the verifier
/// needs of either: the config it names, the signed hash, the signatures, the seq and the time
/// it states.
enum EVMReport: Sendable {
    case transmit(EVMTransmit)
    case keystone(KeystoneReport)

    var signedHash: [UInt8] {
        switch self {
        case .transmit(let t): t.signedHash
        case .keystone(let k): k.signedHash
        }
    }

    var signatures: [Secp256k1.Signature] {
        switch self {
        case .transmit(let t): t.signatures
        case .keystone(let k): k.signatures
        }
    }

    /// The registry key of the config it names: the config digest, or for Keystone the key of
    /// the forwarder config id in its metadata.
    var registryKey: [UInt8] {
        switch self {
        case .transmit(let t): t.configDigest
        case .keystone(let k): KeystoneConfig.registryKey(configID: k.configID)
        }
    }

    func seq(under config: DONConfig) -> UInt64 {
        switch self {
        case .transmit(let t): return config.seq(of: t)
        case .keystone(let k):
            guard case .keystone(let c) = config.evm else { return UInt64(k.epoch) }
            return c.seq(epoch: k.epoch)
        }
    }

    /// The time the report states (Unix seconds) and its own expiry, where its family has them:
    /// a Data Streams report's observationsTimestamp and expiresAt, a Keystone report's metadata
    /// timestamp. OCR2/OCR3 report bodies are the product's own: no time is read from them.
    var time: (stated: UInt64, expiresAt: UInt64?)? {
        switch self {
        case .transmit(let t):
            guard t.layout == .dataStreams, let body = DataStreamsReport(body: t.report) else { return nil }
            return (UInt64(body.observationsTimestamp), UInt64(body.expiresAt))
        case .keystone(let k):
            return (UInt64(k.timestamp), nil)
        }
    }

    /// What the registry makes of calldata.
    enum Located {
        case found(EVMReport, (don: String, entry: DONRegistry.Entry, isCurrent: Bool))
        /// Well-formed, but no DON has the config it names (the text says which).
        case unknown(String)
        case malformed(Error)
    }

    /// Finds the DON `data` names and decodes it in that DON's layout.
    static func locate(_ data: [UInt8], in registry: DONRegistry) -> Located {
        if KeystoneReport.looksLike(data) {
            let k: KeystoneReport
            do { k = try KeystoneReport.decode(data) } catch { return .malformed(error) }
            guard let found = registry.entry(digest: KeystoneConfig.registryKey(configID: k.configID)), case .keystone = found.entry.config.evm else {
                let m = k.metadata
                return .unknown("forwarder config id \(m.configID) (donId \(m.donID), configVersion \(m.configVersion))")
            }
            return .found(.keystone(k), found)
        }
        if let digest = EVMTransmit.configDigest(of: data), let found = registry.entry(digest: digest), let layout = found.entry.config.evmLayout {
            do { return .found(.transmit(try EVMTransmit.decode(data, layout: layout)), found) } catch { return .malformed(error) }
        }
        // No DON has this digest: well-formed calldata of any layout names an unknown DON.
        do { _ = try EVMTransmit.decode(data, layout: .ocr2) } catch let ocr2Error {
            guard (try? EVMTransmit.decode(data, layout: .ocr3)) != nil else { return .malformed(ocr2Error) }
        }
        let named = EVMTransmit.configDigest(of: data).map { "0x" + Hex.encode($0) } ?? "?"
        return .unknown("config digest \(named)")
    }

    /// Calldata of any family, decoded without a registry (nil: none).
    static func decodeAny(_ data: [UInt8]) -> EVMReport? {
        if KeystoneReport.looksLike(data) { return (try? KeystoneReport.decode(data)).map(EVMReport.keystone) }
        return EVMTransmit.decodeAnyLayout(data).map(EVMReport.transmit)
    }
}

/// The fields of a report body this agent knows how to read, for people (`history`, `report
/// verify`): a Data Streams report's schema fields (v3 in full, the shared head of the others)
/// and a Keystone report's metadata. Empty for other reports: their bodies are the product's.
public enum ReportBodyFields {
    public static func describe(_ data: [UInt8]) -> [(String, String)] {
        guard EVMTransmit.looksLikeCalldata(data) else { return [] }
        if KeystoneReport.looksLike(data) {
            return (try? KeystoneReport.decode(data))?.metadata.fields ?? []
        }
        // Data Streams signed reports are whole words with no selector and a 0x0006/0x0009 digest.
        guard data.count % 32 == 0, let digest = EVMTransmit.configDigest(of: data),
              [DataStreamsConfig.mercuryPrefix, DataStreamsConfig.lloPrefix].contains(Array(digest.prefix(2))),
              let t = try? EVMTransmit.decode(data, layout: .dataStreams), let body = DataStreamsReport(body: t.report) else { return [] }
        return body.fields
    }
}
