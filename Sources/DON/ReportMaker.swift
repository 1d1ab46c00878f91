import Foundation
import Wire

/// Makes a DON's report for `seq` in the DON's own scheme, for the tools that produce reports
/// (devnet producers, the byzantine node, the hostile peer, fixtures): a `SignedReport` for
/// `ed25519`; OCR2 transmit calldata for `ocr2-evm`, whose report bytes follow the devnet's
/// convention: the send time (ns since 1970) as the first 32-byte word, then the payload, as an
/// OCR2 median report starts with its observations timestamp.
public enum ReportMaker {
    public static func make(_ config: DONConfig, seq: UInt64, payload: String, timestamp: UInt64 = WallClock.nanoseconds(),
                            keys: [SignerKey], topic: String) throws -> [UInt8] {
        if config.ocr2 != nil {
            return try config.transmit(seq: seq, report: ABIValue.uint(timestamp) + Array(payload.utf8), keys: keys).encode()
        }
        let report = P2pmq_Don_Report.make(config: config, seq: seq, payload: payload, timestamp: timestamp)
        return try P2pmq_Don_SignedReport.sign(report, topic: topic, with: keys).serializedBytes()
    }

    /// The same report with its signatures replaced by ones no signer made: by outsiders' keys
    /// (OCR2: they recover to addresses not in the config) or random bytes (Ed25519).
    public static func forged(_ config: DONConfig, seq: UInt64, payload: String, topic: String) throws -> [UInt8] {
        let count = config.requiredSignatures
        if config.ocr2 != nil {
            let outsiders = (0..<count).map { SignerKey.generate(index: $0, scheme: config.scheme) }
            return try config.transmit(seq: seq, report: ABIValue.uint(WallClock.nanoseconds()) + Array(payload.utf8), keys: outsiders).encode()
        }
        let report = P2pmq_Don_Report.make(config: config, seq: seq, payload: payload, timestamp: WallClock.nanoseconds())
        var signed = P2pmq_Don_SignedReport()
        signed.report = report
        signed.signatures = (0..<count).map { i in
            .with { $0.signer = UInt32(i); $0.signature = Data((0..<64).map { _ in UInt8.random(in: 0...255) }) }
        }
        return try signed.serializedBytes()
    }

    /// A report validly signed by a quorum, under a config digest no DON has: for OCR2 the
    /// DON cannot even be named (`unknown_don`); for Ed25519 the DON's id with another digest
    /// (`wrong_config_digest`).
    public static func wrongDigest(_ config: DONConfig, seq: UInt64, payload: String, keys: [SignerKey], topic: String) throws -> [UInt8] {
        let digest: [UInt8] = [0x00, 0x01] + (0..<30).map { _ in UInt8.random(in: 0...255) }
        if config.ocr2 != nil {
            var t = try config.transmission(seq: seq, report: ABIValue.uint(WallClock.nanoseconds()) + Array(payload.utf8))
            t.reportContext[0] = digest
            try t.sign(with: keys)
            return t.encode()
        }
        var report = P2pmq_Don_Report.make(config: config, seq: seq, payload: payload, timestamp: WallClock.nanoseconds())
        report.configDigest = Data(digest)
        return try P2pmq_Don_SignedReport.sign(report, topic: topic, with: keys).serializedBytes()
    }

    /// The send time a report of `make` carries (nil when it carries none).
    public static func timestamp(of data: [UInt8]) -> UInt64? {
        if EVMTransmit.looksLikeCalldata(data) {
            guard let t = EVMTransmit.decodeAnyLayout(data), t.report.count >= 32 else { return nil }
            return t.report[24..<32].reduce(0) { $0 << 8 | UInt64($1) }
        }
        return (try? P2pmq_Don_SignedReport(serializedBytes: data))?.report.timestamp
    }
}
