import DON
import Foundation

/// DON id, sequence number and digest of data that is a signed DON report (or, on the registry
/// topic, a DON config update: its version is the seq), for the log's (DON, seq) index and heads,
/// whoever judged it. Not a verification.
enum ReportFields {
    /// `registry` places OCR2 calldata (which names its DON only by config digest).
    static func extract(_ data: [UInt8], topic: String, registryTopic: String? = nil, registry: DONRegistry? = nil) -> (don: String, seq: UInt64, digest: [UInt8])? {
        if topic == registryTopic {
            guard let u = ConfigUpdateCheck.decode(data) else { return nil }
            return (u.donID, u.version, ConfigUpdateDigest.of(u))
        }
        guard let decoded = DecodedReport.decode(data, topic: topic, registry: registry) else { return nil }
        return (decoded.don, decoded.seq, decoded.digest)
    }
}
