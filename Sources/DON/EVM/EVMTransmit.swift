import Wire

/// The three `(reportContext, report, rs, ss, rawVs)` layouts OCR DONs send to EVM contracts,
/// which is what an EVM DON's topic carries:
/// - OCR2 `transmit(bytes32[3] reportContext, bytes report, bytes32[] rs, bytes32[] ss, bytes32 rawVs)`
///   (OCR2Base/OCR2Aggregator), with or without the selector: context = [config digest, 27 zero
///   bytes || epoch (u32) || round (u8), extra hash].
/// - OCR3 `commit(bytes32[2] reportContext, bytes report, bytes32[] rs, bytes32[] ss, bytes32 rawVs)`
///   (CCIP's MultiOCR3Base), with or without the selector: context = [config digest, 24 zero bytes
///   || seqNr (u64)].
/// - Data Streams: the `signedReport` its Verifier's `verify` takes (llo-feeds Verifier), which is
///   OCR2's argument encoding with no selector; LLO derives epoch = seqNr / 256 and round =
///   seqNr % 256 (chainlink-data-streams `LegacyReportContext`) and puts donId << 32 | 1 in the
///   extra hash.
///
/// All sign `keccak256(keccak256(report) || reportContext...)` (OCR3: libocr's EVM keyring
/// `ReportToSigData3`). Decoding is strict, as the contracts' own length check is: the canonical
/// ABI layout only (offsets where `abi.encode` puts them, zero padding, the exact total length),
/// at most 32 signatures (`rawVs` has one byte each, zeros after the last), rs and ss of the same
/// length, nothing trailing: what decodes encodes back to the same bytes.
public enum EVMLayout: Sendable, Equatable {
    case ocr2, ocr3, dataStreams

    /// Words of the report context.
    public var contextWords: Int { self == .ocr3 ? 2 : 3 }

    /// The function selector calldata may start with (nil: the layout is an argument, not a call).
    public var selector: [UInt8]? {
        switch self {
        case .ocr2: [0xb1, 0xdc, 0x65, 0xa4]
        case .ocr3: Self.commitSelector
        case .dataStreams: nil
        }
    }

    /// keccak256("commit(bytes32[2],bytes,bytes32[],bytes32[],bytes32)")[0..<4].
    static let commitSelector = Array(Keccak256.hash(Array("commit(bytes32[2],bytes,bytes32[],bytes32[],bytes32)".utf8)).prefix(4))

    /// Zero bytes that lead reportContext[1] (before the epoch and round, or the seqNr).
    var contextPadding: Int { self == .ocr3 ? 24 : 27 }

    /// The scheme name of DONs that send this layout.
    public var scheme: ReportScheme {
        switch self {
        case .ocr2: .ocr2EVM
        case .ocr3: .ocr3EVM
        case .dataStreams: .dataStreams
        }
    }
}

public struct EVMTransmit: Sendable, Equatable {
    public static let maxSignatures = 32

    public var layout: EVMLayout
    public var reportContext: [[UInt8]]
    public var report: [UInt8]
    public var signatures: [Secp256k1.Signature]

    /// An OCR2 transmission (or a Data Streams signed report: `layout` .dataStreams).
    public init(configDigest: [UInt8], epoch: UInt32, round: UInt8, extraHash: [UInt8] = [UInt8](repeating: 0, count: 32),
                report: [UInt8], signatures: [Secp256k1.Signature] = [], layout: EVMLayout = .ocr2) {
        self.layout = layout
        reportContext = [configDigest, [UInt8](repeating: 0, count: 27) + withUnsafeBytes(of: epoch.bigEndian, Array.init) + [round], extraHash]
        self.report = report
        self.signatures = signatures
    }

    /// An OCR3 transmission.
    public init(configDigest: [UInt8], seqNr: UInt64, report: [UInt8], signatures: [Secp256k1.Signature] = []) {
        layout = .ocr3
        reportContext = [configDigest, [UInt8](repeating: 0, count: 24) + withUnsafeBytes(of: seqNr.bigEndian, Array.init)]
        self.report = report
        self.signatures = signatures
    }

    public var configDigest: [UInt8] { reportContext[0] }
    /// OCR2: the epoch and round; what OCR2 contracts require to grow within a config.
    public var epoch: UInt32 { reportContext[1][27..<31].reduce(0) { $0 << 8 | UInt32($1) } }
    public var round: UInt8 { reportContext[1][31] }
    public var epochAndRound: UInt64 { UInt64(epoch) << 8 | UInt64(round) }
    /// OCR3: the sequence number.
    public var seqNr: UInt64 { reportContext[1][24..<32].reduce(0) { $0 << 8 | UInt64($1) } }

    /// What every oracle signed: keccak256(keccak256(report) || the context words).
    public var signedHash: [UInt8] { Keccak256.hash(Keccak256.hash(report) + reportContext.joined()) }

    /// Signs the signed hash with each signer key, in order; each must be a secp256k1 key.
    public mutating func sign(with keys: [SignerKey]) throws { signatures = try Secp256k1.sign(hash: signedHash, keys: keys) }

    /// Calldata of any layout, decoded without knowing which (nil: none). Without a selector the
    /// OCR2 and Data Streams layouts are the same bytes; it then says `.ocr2`.
    public static func decodeAnyLayout(_ data: [UInt8]) -> EVMTransmit? {
        (try? decode(data, layout: .ocr2)) ?? (try? decode(data, layout: .ocr3))
    }

    /// The calldata (`withSelector`: as a transaction carries it, for layouts that are calls).
    public func encode(withSelector: Bool = true) -> [UInt8] {
        var rawVs = [UInt8](repeating: 0, count: 32)
        for (i, s) in signatures.enumerated() where i < 32 { rawVs[i] = s.v }
        let args = ABIValue.encode(reportContext.map(ABIValue.word) + [
            .bytes(report), .words(signatures.map(\.r)), .words(signatures.map(\.s)), .word(rawVs),
        ])
        return (withSelector ? layout.selector ?? [] : []) + args
    }

    /// The config digest calldata of either layout names (its first argument word), if it is
    /// long enough to have one: how the verifier finds the DON, and so the layout.
    public static func configDigest(of data: [UInt8]) -> [UInt8]? {
        let offset = data.count % 32 == 4 ? 4 : 0
        guard data.count >= offset + 32 else { return nil }
        return Array(data[offset..<(offset + 32)])
    }

    /// Strictly decodes calldata of `layout`; the error says what is wrong (a `malformed_report`
    /// detail).
    public static func decode(_ data: [UInt8], layout: EVMLayout = .ocr2) throws -> EVMTransmit {
        var body = data[...]
        if data.count % 32 == 4 {
            guard let selector = layout.selector else {
                throw DONError(.invalidReport, "a Data Streams signed report is whole 32-byte words, this is \(data.count) bytes")
            }
            guard Array(data.prefix(4)) == selector else {
                throw DONError(.invalidReport, "calldata starts with selector \(Hex.encode(data.prefix(4))), not \(Hex.encode(selector))")
            }
            body = data.dropFirst(4)
        }
        let args = Array(body)
        let headWords = layout.contextWords + 4
        guard args.count % 32 == 0 else { throw DONError(.invalidReport, "calldata is \(data.count) bytes: not a selector and whole 32-byte words") }
        guard args.count >= headWords * 32 + 3 * 32 else { throw DONError(.invalidReport, "calldata is \(data.count) bytes, shorter than an empty transmission") }
        func word(_ i: Int) -> ArraySlice<UInt8> { args[i..<(i + 32)] }
        func number(_ at: Int, _ what: String) throws -> Int {
            let w = word(at)
            guard w.prefix(24).allSatisfy({ $0 == 0 }) else { throw DONError(.invalidReport, "\(what) does not fit: \(Hex.encode(w))") }
            let value = w.suffix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            guard value <= UInt64(args.count) else { throw DONError(.invalidReport, "\(what) \(value) is past the calldata's \(args.count) bytes") }
            return Int(value)
        }
        let context = (0..<layout.contextWords).map { Array(word($0 * 32)) }
        guard context[1].prefix(layout.contextPadding).allSatisfy({ $0 == 0 }) else {
            throw DONError(.invalidReport, layout == .ocr3 ? "reportContext[1] must be 24 zero bytes and the sequence number"
                                                           : "reportContext[1] must be 27 zero bytes, the epoch and the round")
        }
        // Offsets where abi.encode puts them: report, then rs, then ss.
        let c = layout.contextWords * 32
        let reportAt = try number(c, "the report offset")
        guard reportAt == headWords * 32 else { throw DONError(.invalidReport, "the report offset is \(reportAt), the canonical encoding has \(headWords * 32)") }
        let reportLength = try number(reportAt, "the report length")
        let reportEnd = reportAt + 32 + reportLength
        let rsAt = reportEnd + ABIValue.padding(reportLength)
        guard rsAt + 32 <= args.count else { throw DONError(.invalidReport, "the report (\(reportLength) bytes) runs past the calldata") }
        guard args[reportEnd..<rsAt].allSatisfy({ $0 == 0 }) else { throw DONError(.invalidReport, "the report's padding is not zero") }
        guard try number(c + 32, "the rs offset") == rsAt else { throw DONError(.invalidReport, "the rs offset is not where the report ends (\(rsAt))") }
        let count = try number(rsAt, "the rs length")
        guard count <= maxSignatures else { throw DONError(.invalidReport, "\(count) signatures; rawVs holds at most \(maxSignatures)") }
        let ssAt = rsAt + 32 + 32 * count
        guard ssAt + 32 <= args.count else { throw DONError(.invalidReport, "rs (\(count) words) runs past the calldata") }
        guard try number(c + 64, "the ss offset") == ssAt else { throw DONError(.invalidReport, "the ss offset is not where rs ends (\(ssAt))") }
        guard try number(ssAt, "the ss length") == count else { throw DONError(.invalidReport, "rs and ss differ in length") }
        let end = ssAt + 32 + 32 * count
        guard end == args.count else {
            throw DONError(.invalidReport, end > args.count ? "ss runs past the calldata" : "\(args.count - end) bytes trail the calldata")
        }
        let rawVs = word(c + 96)
        // A transmitter fills rawVs with one v per signature and zeros after them.
        guard rawVs.dropFirst(count).allSatisfy({ $0 == 0 }) else {
            throw DONError(.invalidReport, "rawVs has non-zero bytes past its \(count) signatures")
        }
        var t = layout == .ocr3
            ? EVMTransmit(configDigest: context[0], seqNr: 0, report: [])
            : EVMTransmit(configDigest: context[0], epoch: 0, round: 0, report: [], layout: layout)
        t.reportContext = context
        t.report = Array(args[(reportAt + 32)..<reportEnd])
        t.signatures = (0..<count).map { i in
            Secp256k1.Signature(r: Array(word(rsAt + 32 + 32 * i)), s: Array(word(ssAt + 32 + 32 * i)), v: rawVs[rawVs.startIndex + i])
        }
        return t
    }

    /// Whether `data` looks like calldata rather than our protobuf envelope: a SignedReport starts
    /// with its field 1 tag (0x0a); calldata with a selector or with a config digest, whose EVM
    /// prefix starts 0x00.
    public static func looksLikeCalldata(_ data: [UInt8]) -> Bool {
        guard let first = data.first else { return false }
        return first != 0x0a
    }
}
