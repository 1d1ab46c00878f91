/// What the node needs of a log, whatever keeps it: appends with dense per-topic offsets and
/// dedup by message id, heads per DON, reports by (DON, seq), penalties, and scans. `ReportStore`
/// (LMDB, the source of truth of a data dir) and `MemoryReportLog` (tests, the simulator) both
/// keep it, and `ReportLogBehaviourTests` holds them to the same behaviour.
public protocol ReportLog: Sendable {
    /// Appends items in order; one outcome each. A message id already on the topic is a
    /// `.duplicate`, unless the stored record was not accepted and this one is (range sync
    /// bringing history that live gossip judged too late): then both are kept and the id points
    /// at the accepted one. An ACCEPT with a DON moves that DON's head when its seq is higher.
    func append(_ items: [AppendItem]) async throws -> [AppendOutcome]
    /// Records a penalty that goes with no logged message.
    func appendPenalty(_ penalty: PenaltyRecord) async throws
    func topic(_ name: String) throws -> TopicInfo?
    /// The record at `offset`; throws `unknownTopic` for a topic never written.
    func record(topic: String, offset: UInt64) throws -> LogRecord?
    /// Records of `topic` from `from` in offset order until `body` returns false.
    func scan(topic: String, from: UInt64, _ body: (LogRecord) throws -> Bool) throws
    /// The offset the message id points at.
    func offset(topic: String, messageID: String) throws -> UInt64?
    func head(topic: String, don: String) throws -> Head?
    /// Digests and offsets of the reports indexed at (topic, DON, seq).
    func reports(topic: String, don: String, seq: UInt64) throws -> [(digest: [UInt8], offset: UInt64)]
    /// Indexed seqs of (topic, DON) from `from` in order (a seq with equivocation evidence comes
    /// more than once) until `body` returns false.
    func scanSeqs(topic: String, don: String, from: UInt64, _ body: (UInt64) throws -> Bool) throws
    /// Penalties from number `from` in recording order until `body` returns false.
    func penalties(from: UInt64, _ body: (PenaltyRecord) throws -> Bool) throws
}

extension ReportStore: ReportLog {}
