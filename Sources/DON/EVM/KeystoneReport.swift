import Wire

/// A CRE/Keystone report as the KeystoneForwarder takes it: `report(address receiver, bytes
/// rawReport, bytes reportContext, bytes[] signatures)`, with or without the selector.
///
/// - rawReport starts with 109 bytes of metadata (the forwarder's `_getMetadata`): version (1),
///   workflow execution id (32), timestamp (4), DON id (4), DON config version (4), workflow CID
///   (32), workflow name (10), workflow owner (20), report id (2); the rest is the workflow's
///   report.
/// - reportContext is what the OCR3 capability's keyring signed next to it (chainlink's
///   `OCR3OnchainKeyringAdapter`): config digest, 27 zero bytes || uint32(seqNr) || round 0, and
///   a zero extra hash: 96 bytes.
/// - each signature is 65 bytes, r || s || v with v 0 or 1 (the forwarder adds 27).
///
/// Signed: keccak256(keccak256(rawReport) || reportContext). Decoding is strict: the canonical
/// ABI encoding only (it must encode back to the same bytes).
public struct KeystoneReport: Sendable, Equatable {
    public static let metadataLength = 109
    public static let signatureLength = 65
    public static let contextLength = 96
    /// keccak256("report(address,bytes,bytes,bytes[])")[0..<4].
    public static let selector = Array(Keccak256.hash(Array("report(address,bytes,bytes,bytes[])".utf8)).prefix(4))

    public var receiver: EVMAddress
    public var rawReport: [UInt8]
    public var reportContext: [UInt8]
    public var signatures: [Secp256k1.Signature]

    public init(receiver: EVMAddress, rawReport: [UInt8], reportContext: [UInt8], signatures: [Secp256k1.Signature] = []) {
        self.receiver = receiver
        self.rawReport = rawReport
        self.reportContext = reportContext
        self.signatures = signatures
    }

    /// The report context of OCR3 capability seqNr `seqNr` under `configDigest`.
    public static func context(configDigest: [UInt8], seqNr: UInt64) -> [UInt8] {
        configDigest + [UInt8](repeating: 0, count: 27) + withUnsafeBytes(of: UInt32(truncatingIfNeeded: seqNr).bigEndian, Array.init) + [0]
            + [UInt8](repeating: 0, count: 32)
    }

    /// The metadata header of a report (`rawReport`'s first 109 bytes) and its fields.
    public struct Metadata: Sendable, Equatable {
        public var version: UInt8
        public var workflowExecutionID: [UInt8]
        public var timestamp: UInt32
        public var donID: UInt32
        public var configVersion: UInt32
        public var workflowCID: [UInt8]
        public var workflowName: [UInt8]
        public var workflowOwner: [UInt8]
        public var reportID: [UInt8]

        public init(version: UInt8 = 1, workflowExecutionID: [UInt8], timestamp: UInt32, donID: UInt32, configVersion: UInt32,
                    workflowCID: [UInt8], workflowName: [UInt8], workflowOwner: [UInt8], reportID: [UInt8]) {
            self.version = version
            self.workflowExecutionID = workflowExecutionID
            self.timestamp = timestamp
            self.donID = donID
            self.configVersion = configVersion
            self.workflowCID = workflowCID
            self.workflowName = workflowName
            self.workflowOwner = workflowOwner
            self.reportID = reportID
        }

        init(_ raw: ArraySlice<UInt8>) {
            let b = Array(raw)
            func u32(_ at: Int) -> UInt32 { b[at..<(at + 4)].reduce(0) { $0 << 8 | UInt32($1) } }
            version = b[0]
            workflowExecutionID = Array(b[1..<33])
            timestamp = u32(33)
            donID = u32(37)
            configVersion = u32(41)
            workflowCID = Array(b[45..<77])
            workflowName = Array(b[77..<87])
            workflowOwner = Array(b[87..<107])
            reportID = Array(b[107..<109])
        }

        public var encoded: [UInt8] {
            func u32(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.bigEndian, Array.init) }
            return [version] + workflowExecutionID + u32(timestamp) + u32(donID) + u32(configVersion) + workflowCID + workflowName
                + workflowOwner + reportID
        }

        public var configID: UInt64 { KeystoneConfig.configID(donID: donID, configVersion: configVersion) }

        public var fields: [(String, String)] {
            [("version", "\(version)"), ("workflowExecutionId", "0x" + Hex.encode(workflowExecutionID)), ("timestamp", "\(timestamp)"),
             ("donId", "\(donID)"), ("configVersion", "\(configVersion)"), ("workflowCid", "0x" + Hex.encode(workflowCID)),
             ("workflowName", "0x" + Hex.encode(workflowName)), ("workflowOwner", "0x" + Hex.encode(workflowOwner)),
             ("reportId", "0x" + Hex.encode(reportID))]
        }
    }

    public var metadata: Metadata { Metadata(rawReport.prefix(Self.metadataLength)) }

    /// The metadata's config id and timestamp, read without building the whole `Metadata` (the
    /// verifier needs only these).
    public var configID: UInt64 { rawReport[37..<45].reduce(0) { $0 << 8 | UInt64($1) } }
    public var timestamp: UInt32 { rawReport[33..<37].reduce(0) { $0 << 8 | UInt32($1) } }

    /// The OCR3 seqNr's low 32 bits (the epoch of the report context).
    public var epoch: UInt32 { reportContext[59..<63].reduce(0) { $0 << 8 | UInt32($1) } }

    /// What every signer signed.
    public var signedHash: [UInt8] { Keccak256.hash(Keccak256.hash(rawReport) + reportContext) }

    /// Signs the signed hash with each signer key, in order; each must be a secp256k1 key.
    public mutating func sign(with keys: [SignerKey]) throws { signatures = try Secp256k1.sign(hash: signedHash, keys: keys) }

    public func encode(withSelector: Bool = true) -> [UInt8] {
        let args = ABIValue.encode([.word(ABIValue.address(receiver)), .bytes(rawReport), .bytes(reportContext),
                                    .bytesArray(signatures.map { $0.r + $0.s + [$0.v] })])
        return (withSelector ? Self.selector : []) + args
    }

    /// Whether `data` is shaped like forwarder calldata: the selector, or (without it) a first
    /// word that is an address (12 zero bytes), which no OCR config digest is.
    public static func looksLike(_ data: [UInt8]) -> Bool {
        if data.count % 32 == 4 { return Array(data.prefix(4)) == selector }
        return data.count >= 32 && data.prefix(12).allSatisfy { $0 == 0 } && data.count % 32 == 0
    }

    /// Strictly decodes forwarder calldata; the error says what is wrong. Only the canonical
    /// encoding passes (what `abi.encode` writes: offsets in order, zero padding, nothing
    /// trailing), so what decodes encodes back to the same bytes.
    public static func decode(_ data: [UInt8]) throws -> KeystoneReport {
        var body = data[...]
        if data.count % 32 == 4 {
            guard Array(data.prefix(4)) == selector else {
                throw DONError(.invalidReport, "calldata starts with selector \(Hex.encode(data.prefix(4))), not report(address,bytes,bytes,bytes[]) \(Hex.encode(selector))")
            }
            body = data.dropFirst(4)
        }
        let args = Array(body)
        guard args.count % 32 == 0, args.count >= 7 * 32 else { throw DONError(.invalidReport, "forwarder calldata is \(data.count) bytes: too short or not whole words") }
        func number(_ at: Int, _ what: String) throws -> Int {
            guard at >= 0, at + 32 <= args.count else { throw DONError(.invalidReport, "\(what) is past the calldata") }
            guard args[at..<(at + 24)].allSatisfy({ $0 == 0 }) else { throw DONError(.invalidReport, "\(what) does not fit: \(Hex.encode(args[at..<(at + 32)]))") }
            let value = args[(at + 24)..<(at + 32)].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            guard value <= UInt64(args.count) else { throw DONError(.invalidReport, "\(what) \(value) is past the calldata's \(args.count) bytes") }
            return Int(value)
        }
        /// A `bytes` value at `at` (its length word); returns it and where the next value starts.
        func bytes(at: Int, _ what: String) throws -> ([UInt8], next: Int) {
            let length = try number(at, "the length of \(what)")
            let end = at + 32 + length, next = end + ABIValue.padding(length)
            guard next <= args.count else { throw DONError(.invalidReport, "\(what) (\(length) bytes) runs past the calldata") }
            guard args[end..<next].allSatisfy({ $0 == 0 }) else { throw DONError(.invalidReport, "the padding of \(what) is not zero") }
            return (Array(args[(at + 32)..<end]), next)
        }
        func expect(_ at: Int, _ what: String, _ wanted: Int) throws {
            guard try number(at, what) == wanted else { throw DONError(.invalidReport, "\(what) is not where abi.encode puts it (\(wanted))") }
        }
        guard args.prefix(12).allSatisfy({ $0 == 0 }) else { throw DONError(.invalidReport, "the receiver word is not an address") }
        let receiver = try EVMAddress(bytes: Array(args[12..<32]))
        try expect(32, "the rawReport offset", 128)
        let (rawReport, contextAt) = try bytes(at: 128, "rawReport")
        try expect(64, "the reportContext offset", contextAt)
        let (context, signaturesAt) = try bytes(at: contextAt, "reportContext")
        try expect(96, "the signatures offset", signaturesAt)
        let count = try number(signaturesAt, "the signature count")
        guard count <= 31 else { throw DONError(.invalidReport, "\(count) signatures; the forwarder allows at most 31 signers") }
        let base = signaturesAt + 32
        var at = base + 32 * count
        var signatures: [Secp256k1.Signature] = []
        signatures.reserveCapacity(count)
        for i in 0..<count {
            try expect(base + 32 * i, "signature \(i)'s offset", at - base)
            let (sig, next) = try bytes(at: at, "signature \(i)")
            guard sig.count == signatureLength else { throw DONError(.invalidReport, "signature \(i) is \(sig.count) bytes, the forwarder takes \(signatureLength)") }
            signatures.append(Secp256k1.Signature(r: Array(sig[0..<32]), s: Array(sig[32..<64]), v: sig[64]))
            at = next
        }
        guard at == args.count else { throw DONError(.invalidReport, "\(args.count - at) bytes trail the calldata") }
        guard rawReport.count >= metadataLength else {
            throw DONError(.invalidReport, "rawReport is \(rawReport.count) bytes, shorter than the \(metadataLength)-byte metadata (the forwarder's InvalidReport)")
        }
        guard context.count == contextLength, context[32..<59].allSatisfy({ $0 == 0 }), context[63] == 0 else {
            throw DONError(.invalidReport, "reportContext must be the OCR3 capability's 96 bytes: config digest, 27 zero bytes, uint32 seqNr, round 0, extra hash")
        }
        return KeystoneReport(receiver: receiver, rawReport: rawReport, reportContext: context, signatures: signatures)
    }
}
