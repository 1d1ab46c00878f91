import DON
import Foundation

/// DON id, sequence number and digest of data that is a signed DON report (or, on the registry
/// topic, a DON config update: its version is the seq), for the log's (DON, seq) index and heads,
/// whoever judged it. Not a verification.
enum ReportFields {
    static func extract(_ data: [UInt8], topic: String, registryTopic: String? = nil) -> (don: String, seq: UInt64, digest: [UInt8])? {
        if topic == registryTopic {
            guard let u = ConfigUpdateCheck.decode(data) else { return nil }
            return (u.donID, u.version, ConfigUpdateDigest.of(u))
        }
        guard let report = report(data) else { return nil }
        return (report.donID, report.seq, ReportDigest.of(report, topic: topic))
    }

    /// The report inside data that is a SignedReport (no digest: for callers that need only its
    /// DON and seq).
    static func report(_ data: [UInt8]) -> P2pmq_Don_Report? {
        guard let signed = try? P2pmq_Don_SignedReport(serializedBytes: data), signed.hasReport else { return nil }
        return signed.report
    }
}
