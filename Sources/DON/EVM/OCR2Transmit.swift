import Wire

/// The calldata of an OCR2 transmission, `transmit(bytes32[3] reportContext, bytes report,
/// bytes32[] rs, bytes32[] ss, bytes32 rawVs)`: what a DON's transmitter sends to its OCR2
/// contract and what an `ocr2-evm` topic carries, with or without the 4-byte selector.
///
/// Decoding is strict, as the contract's own length check is: the canonical ABI layout only
/// (offsets where `abi.encode` puts them, zero padding, the exact total length), at most 32
/// signatures (`rawVs` has one byte each, zeros after the last), rs and ss of the same length,
/// nothing trailing: what decodes encodes back to the same bytes.
public struct OCR2Transmit: Sendable, Equatable {
    public static let selector: [UInt8] = [0xb1, 0xdc, 0x65, 0xa4]
    public static let maxSignatures = 32

    /// [config digest, 27 zero bytes || epoch (u32 BE) || round (u8), extra hash].
    public var reportContext: [[UInt8]]
    public var report: [UInt8]
    public var signatures: [Secp256k1.Signature]

    public init(configDigest: [UInt8], epoch: UInt32, round: UInt8, extraHash: [UInt8] = [UInt8](repeating: 0, count: 32),
                report: [UInt8], signatures: [Secp256k1.Signature] = []) {
        reportContext = [configDigest, [UInt8](repeating: 0, count: 27) + withUnsafeBytes(of: epoch.bigEndian, Array.init) + [round], extraHash]
        self.report = report
        self.signatures = signatures
    }

    public var configDigest: [UInt8] { reportContext[0] }
    public var epoch: UInt32 { reportContext[1][27..<31].reduce(0) { $0 << 8 | UInt32($1) } }
    public var round: UInt8 { reportContext[1][31] }
    /// What OCR2 contracts require to grow within a config.
    public var epochAndRound: UInt64 { UInt64(epoch) << 8 | UInt64(round) }

    /// What every oracle signed: keccak256(keccak256(report) || reportContext[0..2]).
    public var signedHash: [UInt8] { Keccak256.hash(Keccak256.hash(report) + reportContext[0] + reportContext[1] + reportContext[2]) }

    /// `sign` the signed hash with each key, in order.
    public mutating func sign(with keys: [[UInt8]]) throws {
        let hash = signedHash
        signatures = try keys.map { key in
            guard let s = Secp256k1.sign(hash: hash, secretKey: key) else { throw DONError(.invalidConfig, "not a secp256k1 secret key") }
            return s
        }
    }

    /// The calldata (`withSelector`: as a transaction carries it).
    public func encode(withSelector: Bool = true) -> [UInt8] {
        var rawVs = [UInt8](repeating: 0, count: 32)
        for (i, s) in signatures.enumerated() where i < 32 { rawVs[i] = s.v }
        let args = ABIValue.encode([
            .word(reportContext[0]), .word(reportContext[1]), .word(reportContext[2]),
            .bytes(report), .words(signatures.map(\.r)), .words(signatures.map(\.s)), .word(rawVs),
        ])
        return (withSelector ? Self.selector : []) + args
    }

    /// Strictly decodes calldata; the error says what is wrong (a `malformed_report` detail).
    public static func decode(_ data: [UInt8]) throws -> OCR2Transmit {
        var body = data[...]
        if data.count % 32 == 4 {
            guard Array(data.prefix(4)) == selector else {
                throw DONError(.invalidReport, "calldata starts with selector \(Hex.encode(data.prefix(4))), not transmit's b1dc65a4")
            }
            body = data.dropFirst(4)
        }
        let args = Array(body)
        guard args.count % 32 == 0 else { throw DONError(.invalidReport, "calldata is \(data.count) bytes: not a selector and whole 32-byte words") }
        guard args.count >= 7 * 32 + 3 * 32 else { throw DONError(.invalidReport, "calldata is \(data.count) bytes, shorter than an empty transmit") }
        func word(_ i: Int) -> ArraySlice<UInt8> { args[i..<(i + 32)] }
        func number(_ at: Int, _ what: String) throws -> Int {
            let w = word(at)
            guard w.prefix(24).allSatisfy({ $0 == 0 }) else { throw DONError(.invalidReport, "\(what) does not fit: \(Hex.encode(w))") }
            let value = w.suffix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            guard value <= UInt64(args.count) else { throw DONError(.invalidReport, "\(what) \(value) is past the calldata's \(args.count) bytes") }
            return Int(value)
        }
        let context = [Array(word(0)), Array(word(32)), Array(word(64))]
        guard context[1].prefix(27).allSatisfy({ $0 == 0 }) else {
            throw DONError(.invalidReport, "reportContext[1] must be 27 zero bytes, the epoch and the round")
        }
        // Offsets where abi.encode puts them: report, then rs, then ss.
        let reportAt = try number(96, "the report offset")
        guard reportAt == 7 * 32 else { throw DONError(.invalidReport, "the report offset is \(reportAt), the canonical encoding has 224") }
        let reportLength = try number(reportAt, "the report length")
        let reportEnd = reportAt + 32 + reportLength
        let rsAt = reportEnd + ABIValue.padding(reportLength)
        guard rsAt + 32 <= args.count else { throw DONError(.invalidReport, "the report (\(reportLength) bytes) runs past the calldata") }
        guard args[reportEnd..<rsAt].allSatisfy({ $0 == 0 }) else { throw DONError(.invalidReport, "the report's padding is not zero") }
        guard try number(128, "the rs offset") == rsAt else { throw DONError(.invalidReport, "the rs offset is not where the report ends (\(rsAt))") }
        let count = try number(rsAt, "the rs length")
        guard count <= maxSignatures else { throw DONError(.invalidReport, "\(count) signatures; rawVs holds at most \(maxSignatures)") }
        let ssAt = rsAt + 32 + 32 * count
        guard ssAt + 32 <= args.count else { throw DONError(.invalidReport, "rs (\(count) words) runs past the calldata") }
        guard try number(160, "the ss offset") == ssAt else { throw DONError(.invalidReport, "the ss offset is not where rs ends (\(ssAt))") }
        guard try number(ssAt, "the ss length") == count else { throw DONError(.invalidReport, "rs and ss differ in length") }
        let end = ssAt + 32 + 32 * count
        guard end == args.count else {
            throw DONError(.invalidReport, end > args.count ? "ss runs past the calldata" : "\(args.count - end) bytes trail the calldata")
        }
        let rawVs = word(192)
        // A transmitter fills rawVs with one v per signature and zeros after them.
        guard rawVs.dropFirst(count).allSatisfy({ $0 == 0 }) else {
            throw DONError(.invalidReport, "rawVs has non-zero bytes past its \(count) signatures")
        }
        var t = OCR2Transmit(configDigest: context[0], epoch: 0, round: 0, report: Array(args[(reportAt + 32)..<reportEnd]))
        t.reportContext = context
        t.signatures = (0..<count).map { i in
            Secp256k1.Signature(r: Array(word(rsAt + 32 + 32 * i)), s: Array(word(ssAt + 32 + 32 * i)), v: rawVs[rawVs.startIndex + i])
        }
        return t
    }

    /// Whether `data` looks like calldata rather than our protobuf envelope: a SignedReport starts
    /// with its field 1 tag (0x0a); calldata with the selector (0xb1) or with a config digest,
    /// whose EVM prefix starts 0x00.
    public static func looksLikeCalldata(_ data: [UInt8]) -> Bool {
        guard let first = data.first else { return false }
        return first != 0x0a
    }
}
