import Crypto
import Wire

/// What signers sign: sha256 over a domain tag, the topic, and every report field in a fixed
/// binary layout. Not the protobuf bytes, whose encoding is not canonical across implementations;
/// the topic is included so a report cannot be replayed onto another stream.
public enum ReportDigest {
    public static let domain = "p2pmq/report/v1"

    public static func of(_ report: P2pmq_Don_Report, topic: String) -> [UInt8] {
        var w = BinaryWriter(capacity: 96 + report.payload.count)
        w.short(domain.utf8)
        w.short(topic.utf8)
        w.short(report.donID.utf8)
        w.short(report.configDigest)
        w.u64(report.epoch)
        w.u64(report.round)
        w.u64(report.seq)
        w.u64(report.timestamp)
        w.long(report.payload)
        return Array(SHA256.hash(data: w.bytes))
    }
}
