import Foundation

/// The contract config an EVM DON's reports are verified against, one per family: OCR2/OCR3
/// ConfigSet (with the transmission layout), a Data Streams Verifier config, or a
/// KeystoneForwarder config. Whatever the family, signers are EVM addresses recovered from
/// secp256k1 signatures and f is the config's.
public enum EVMContract: Sendable, Equatable {
    case ocr(OCR2Config, EVMLayout)
    case dataStreams(DataStreamsConfig)
    case keystone(KeystoneConfig)

    public var signers: [EVMAddress] {
        switch self {
        case .ocr(let c, _): c.signers
        case .dataStreams(let c): c.signers
        case .keystone(let c): c.signers
        }
    }

    public var f: UInt8 {
        switch self {
        case .ocr(let c, _): c.f
        case .dataStreams(let c): c.f
        case .keystone(let c): c.f
        }
    }

    /// The config digest reports name (Keystone: the registry key of its config id).
    public var digest: [UInt8] {
        switch self {
        case .ocr(let c, _): c.digest
        case .dataStreams(let c): c.digest
        case .keystone(let c): c.digest
        }
    }

    public var scheme: ReportScheme {
        switch self {
        case .ocr(_, let layout): layout.scheme
        case .dataStreams: .dataStreams
        case .keystone: .keystone
        }
    }

    /// The `(reportContext, report, rs, ss, rawVs)` layout (nil: Keystone's forwarder calldata).
    public var layout: EVMLayout? {
        switch self {
        case .ocr(_, let layout): layout
        case .dataStreams: .dataStreams
        case .keystone: nil
        }
    }

    /// Whether a report must carry exactly f+1 signatures, as the Data Streams Verifier and the
    /// KeystoneForwarder require (OCR2/OCR3 contracts take f+1 or more).
    public var exactlyFPlusOne: Bool {
        if case .ocr = self { return false }
        return true
    }

    /// The signer-set rules the Data Streams Verifier (`checkConfigValid`, `_setConfig`) and the
    /// KeystoneForwarder (`setConfig`) share: f > 0, at most 31 signers, more than 3f, no zero
    /// address, none twice.
    static func validateSignerSet(_ signers: [EVMAddress], f: UInt8, don: String) throws {
        guard f > 0 else { throw DONError(.invalidConfig, "DON \(don): f must be positive") }
        guard signers.count <= 31 else { throw DONError(.invalidConfig, "DON \(don): at most 31 signers, has \(signers.count)") }
        guard signers.count > 3 * Int(f) else { throw DONError(.invalidConfig, "DON \(don): \(signers.count) signers, f = \(f) needs at least \(3 * Int(f) + 1)") }
        guard !signers.contains(where: { $0.bytes.allSatisfy { $0 == 0 } }) else { throw DONError(.invalidConfig, "DON \(don): the zero address cannot sign") }
        guard Set(signers).count == signers.count else { throw DONError(.invalidConfig, "DON \(don): a signer address appears twice") }
    }

    func validate(don: String) throws {
        switch self {
        case .ocr(let c, _): try c.validate(don: don)
        case .dataStreams(let c): try c.validate(don: don)
        case .keystone(let c): try c.validate(don: don)
        }
    }
}

extension EVMContract {
    /// The config of `scheme`'s family from its contract event's fields as JSON (`don import`).
    public init(scheme: ReportScheme, configSetJSON data: Data) throws {
        let fields = try JSONFields.object(data, what: "config event")
        switch scheme {
        case .ocr2EVM, .ocr3EVM: self = .ocr(try OCR2Config(configSet: fields), scheme.evmLayout!)
        case .dataStreams: self = .dataStreams(try DataStreamsConfig(configSet: fields))
        case .keystone: self = .keystone(try KeystoneConfig(configSet: fields))
        case .ed25519: throw DONError(.invalidConfig, "ed25519 DONs have no contract config to import")
        }
    }
}
