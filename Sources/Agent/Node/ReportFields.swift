import DON
import Foundation

/// DON id, sequence number and digest of data that is a signed DON report (or, on the registry
/// topic, a DON config update: its version is the seq), for the log's (DON, seq) index and heads,
/// whoever judged it. Not a verification.
enum ReportFields {
    static func extract(_ data: [UInt8], topic: String, registryTopic: String? = nil) -> (don: String, seq: UInt64, digest: [UInt8])? {
        if topic == registryTopic {
            guard let u = try? P2pmq_Don_ConfigUpdate(serializedBytes: data), !u.donID.isEmpty else { return nil }
            return (u.donID, u.version, ConfigUpdateDigest.of(u))
        }
        guard let signed = try? P2pmq_Don_SignedReport(serializedBytes: data), signed.hasReport else { return nil }
        return (signed.report.donID, signed.report.seq, ReportDigest.of(signed.report, topic: topic))
    }
}
