import DON
import Store

/// The log answers the verifier's questions about stored reports (DON does not know the store).
extension ReportStore: SequenceState {
    public func headSeq(topic: String, don: String) throws -> UInt64? {
        try head(topic: topic, don: don)?.seq
    }

    public func storedDigests(topic: String, don: String, seq: UInt64) throws -> [[UInt8]] {
        try reports(topic: topic, don: don, seq: seq).map(\.digest)
    }
}
