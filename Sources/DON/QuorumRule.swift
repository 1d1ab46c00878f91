/// How many of a DON's n signers must sign a report. With f = floor((n-1)/3) faulty nodes
/// tolerated (OCR2 DONs state their f), the default n - f is the OCR rule: any two quorums share
/// an honest node. OCR2 contracts accept f+1 distinct signers (OCR2Aggregator) or (n+f)/2+1
/// (OCR2Base's "unique reports" rule).
public enum QuorumRule: String, Sendable, Codable, CaseIterable {
    case `default` = "n-f"
    case fPlusOne = "f+1"
    case twoFPlusOne = "2f+1"
    case unique

    /// Signatures needed of `n` signers; `f` when the config states it (OCR2), else floor((n-1)/3).
    public func required(signers n: Int, f stated: Int? = nil) -> Int {
        let f = stated ?? max(0, (n - 1) / 3)
        switch self {
        case .default: return n - f
        case .fPlusOne: return f + 1
        case .twoFPlusOne: return 2 * f + 1
        case .unique: return (n + f) / 2 + 1
        }
    }

    /// Accepts the raw values and the word `default`.
    public init?(text: String) {
        if text == "default" { self = .default } else if let rule = QuorumRule(rawValue: text) { self = rule } else { return nil }
    }

    /// The names `--quorum` takes, for messages.
    public static let names = allCases.map(\.rawValue).joined(separator: ", ")
}

/// How a DON's reports are signed and carried.
public enum ReportScheme: String, Sendable, CaseIterable {
    /// Our protobuf envelope (`SignedReport`), Ed25519 signatures by signer index.
    case ed25519
    /// OCR2 `transmit` calldata, secp256k1 signatures recovered to the config's signer addresses.
    case ocr2EVM = "ocr2-evm"
    /// OCR3 `commit` calldata (CCIP's MultiOCR3Base), signed as libocr's EVM keyring `Sign3`.
    case ocr3EVM = "ocr3-evm"
    /// Data Streams signed reports, as the llo-feeds Verifier's `verify` takes them.
    case dataStreams = "datastreams"
    /// CRE/Keystone reports, as KeystoneForwarder's `report` takes them.
    case keystone

    /// The `(reportContext, report, rs, ss, rawVs)` layout (nil for ed25519 and keystone).
    public var evmLayout: EVMLayout? {
        switch self {
        case .ed25519, .keystone: nil
        case .ocr2EVM: .ocr2
        case .ocr3EVM: .ocr3
        case .dataStreams: .dataStreams
        }
    }

    /// Signed with secp256k1 keys whose EVM addresses are the signers.
    public var isEVM: Bool { self != .ed25519 }

    /// The names `--scheme` takes, for messages.
    public static let names = allCases.map(\.rawValue).joined(separator: ", ")
}
