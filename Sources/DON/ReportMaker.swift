import Foundation
import Wire

/// Makes a DON's report for `seq` in the DON's own scheme, for the tools that produce reports
/// (devnet producers, the byzantine node, the hostile peer, fixtures). Each carries its send time
/// (ns since 1970) where the devnet's latency watch finds it (`timestamp(of:)`):
/// - `ed25519`: a `SignedReport` (its `timestamp` field).
/// - `ocr2-evm`, `ocr3-evm`: calldata whose report is the send time as the first 32-byte word,
///   then the payload, as an OCR2 median report starts with its observations timestamp.
/// - `datastreams`: a signed v3 report (observed now, valid for an hour, prices from the seq),
///   the send time in its nativeFee word.
/// - `keystone`: forwarder calldata whose metadata is stamped now, whose workflow report is the
///   send time word and the payload.
public enum ReportMaker {
    public static func make(_ config: DONConfig, seq: UInt64, payload: String, timestamp: UInt64 = WallClock.nanoseconds(),
                            keys: [SignerKey], topic: String) throws -> [UInt8] {
        switch config.evm {
        case nil:
            let report = P2pmq_Don_Report.make(config: config, seq: seq, payload: payload, timestamp: timestamp)
            return try P2pmq_Don_SignedReport.sign(report, topic: topic, with: keys).serializedBytes()
        case .keystone(let c):
            var k = keystone(c, seq: seq, payload: payload, timestamp: timestamp)
            try k.sign(with: keys)
            return k.encode()
        default:
            return try config.transmit(seq: seq, report: body(config, seq: seq, payload: payload, timestamp: timestamp), keys: keys).encode()
        }
    }

    /// The same report with its signatures replaced by ones no signer made: by outsiders' keys
    /// (EVM: they recover to addresses not in the config) or random bytes (Ed25519).
    public static func forged(_ config: DONConfig, seq: UInt64, payload: String, topic: String) throws -> [UInt8] {
        let count = config.requiredSignatures
        if config.evm != nil {
            let outsiders = (0..<count).map { SignerKey.generate(index: $0, scheme: config.scheme) }
            return try make(config, seq: seq, payload: payload, keys: outsiders, topic: topic)
        }
        let report = P2pmq_Don_Report.make(config: config, seq: seq, payload: payload, timestamp: WallClock.nanoseconds())
        var signed = P2pmq_Don_SignedReport()
        signed.report = report
        signed.signatures = (0..<count).map { i in
            .with { $0.signer = UInt32(i); $0.signature = Data((0..<64).map { _ in UInt8.random(in: 0...255) }) }
        }
        return try signed.serializedBytes()
    }

    /// A report validly signed by a quorum, under a config no DON has: for EVM DONs the DON
    /// cannot even be named (`unknown_don`); for Ed25519 the DON's id with another digest
    /// (`wrong_config_digest`).
    public static func wrongDigest(_ config: DONConfig, seq: UInt64, payload: String, keys: [SignerKey], topic: String) throws -> [UInt8] {
        let now = WallClock.nanoseconds()
        let digest: [UInt8] = Array(config.digest.prefix(2)) + (0..<30).map { _ in UInt8.random(in: 0...255) }
        switch config.evm {
        case nil:
            var report = P2pmq_Don_Report.make(config: config, seq: seq, payload: payload, timestamp: now)
            report.configDigest = Data(digest)
            return try P2pmq_Don_SignedReport.sign(report, topic: topic, with: keys).serializedBytes()
        case .keystone(var c):
            c.configVersion &+= 1 + UInt32.random(in: 0..<1000)  // a config id the forwarder does not have
            var k = keystone(c, seq: seq, payload: payload, timestamp: now)
            try k.sign(with: keys)
            return k.encode()
        default:
            var t = try config.transmission(seq: seq, report: body(config, seq: seq, payload: payload, timestamp: now))
            t.reportContext[0] = digest
            try t.sign(with: keys)
            return t.encode()
        }
    }

    /// The report bytes inside an OCR or Data Streams transmission.
    static func body(_ config: DONConfig, seq: UInt64, payload: String, timestamp: UInt64) -> [UInt8] {
        guard case .dataStreams(let c) = config.evm else { return ABIValue.uint(timestamp) + Array(payload.utf8) }
        let seconds = UInt32(clamping: timestamp / 1_000_000_000)
        let price: Int64 = 3_000_000_000_000_000_000 + Int64(seq % 1_000_000)  // 3 with 18 decimals, moving with the seq
        var r = DataStreamsReport(feedID: c.source?.feedID ?? [0x00, 0x03] + [UInt8](repeating: 0, count: 30), validFromTimestamp: seconds &- 1,
                                  observationsTimestamp: seconds, expiresAt: seconds &+ 3600, benchmarkPrice: price, bid: price - 1, ask: price + 1)
        r.nativeFee = ABIValue.uint(timestamp)
        return r.encoded
    }

    /// An unsigned Keystone report of OCR3 capability seqNr `seq` under forwarder config `c`.
    static func keystone(_ c: KeystoneConfig, seq: UInt64, payload: String, timestamp: UInt64) -> KeystoneReport {
        let metadata = KeystoneReport.Metadata(
            workflowExecutionID: Keccak256.hash(ABIValue.uint(seq) + Array(payload.utf8)), timestamp: UInt32(clamping: timestamp / 1_000_000_000),
            donID: c.donID, configVersion: c.configVersion, workflowCID: Keccak256.hash(Array("p2pmq devnet workflow".utf8)),
            workflowName: Array("p2pmq-dev\0".utf8), workflowOwner: [UInt8](repeating: 0x11, count: 20), reportID: [0x00, 0x01])
        // The OCR3 capability's own config digest is not the forwarder's business: a devnet one.
        let capabilityDigest = [0x00, 0x0d] + Keccak256.hash(c.digest).dropFirst(2)
        return KeystoneReport(receiver: try! EVMAddress(bytes: [UInt8](repeating: 0x22, count: 20)),
                              rawReport: metadata.encoded + ABIValue.uint(timestamp) + Array(payload.utf8),
                              reportContext: KeystoneReport.context(configDigest: capabilityDigest, seqNr: seq))
    }

    /// The send time a report of `make` carries (nil when it carries none).
    public static func timestamp(of data: [UInt8]) -> UInt64? {
        if EVMTransmit.looksLikeCalldata(data) { return EVMReport.decodeAny(data).flatMap(timestamp(of:)) }
        return (try? P2pmq_Don_SignedReport(serializedBytes: data))?.report.timestamp
    }

    /// The same for a report the caller decoded already (the devnet's delivery watch).
    public static func timestamp(of report: DecodedReport) -> UInt64? {
        if let evm = report.evmReport { return timestamp(of: evm) }
        guard case .signed(let s) = report.envelope else { return nil }
        return s.report.timestamp
    }

    private static func timestamp(of report: EVMReport) -> UInt64? {
        switch report {
        case .keystone(let k):
            let body = k.rawReport.dropFirst(KeystoneReport.metadataLength)
            guard body.count >= 32 else { return nil }
            return body.dropFirst(24).prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
        case .transmit(let t):
            // A v3 Data Streams body (nine words) keeps it in nativeFee; the others first.
            let at = t.report.count == DataStreamsReport.v3Words * 32 ? 3 * 32 : 0
            guard t.report.count >= at + 32 else { return nil }
            return t.report[(at + 24)..<(at + 32)].reduce(0) { $0 << 8 | UInt64($1) }
        }
    }
}
