/// Where a message sits in its DON's stream: DON id, seq and report digest (for a config update
/// on the registry topic, its version is the seq). Worked out once, where the message is decoded
/// for validation, and carried with the verdict to the log, which indexes and heads by it: the
/// report is not decoded again on the way.
public struct ReportKey: Sendable, Equatable {
    public var don: String
    public var seq: UInt64
    public var digest: [UInt8]

    public init(don: String, seq: UInt64, digest: [UInt8]) {
        self.don = don
        self.seq = seq
        self.digest = digest
    }
}
