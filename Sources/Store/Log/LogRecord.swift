import Wire
/// One message as the log keeps it: what arrived, from whom, and the verdict it got.
public struct LogRecord: Sendable, Equatable {
    public var topic: String
    /// Dense per topic, from 0. Assigned by the store on append; ignored in append input.
    public var offset: UInt64
    /// The gossipsub message id (for StrictNoSign: hex of the first 20 bytes of sha256(data)).
    public var messageID: String
    /// Nanoseconds since the Unix epoch.
    public var receivedAt: UInt64
    /// The peer that forwarded the message to us (its peer id text), or "local" for own publishes.
    public var from: String
    /// The sending DON, empty when the data did not decode as a report.
    public var don: String
    public var seq: UInt64
    public var verdict: Verdict
    /// Why the verdict was given (machine-readable code, e.g. `stale_seq`); empty for plain accepts.
    public var reason: String
    public var data: [UInt8]

    public init(
        topic: String, offset: UInt64 = 0, messageID: String, receivedAt: UInt64, from: String,
        don: String, seq: UInt64, verdict: Verdict, reason: String, data: [UInt8]
    ) {
        self.topic = topic
        self.offset = offset
        self.messageID = messageID
        self.receivedAt = receivedAt
        self.from = from
        self.don = don
        self.seq = seq
        self.verdict = verdict
        self.reason = reason
        self.data = data
    }
}

/// A penalty given to a peer, kept so that every score change can be explained later and
/// application-specific scores can be rebuilt after a restart.
public struct PenaltyRecord: Sendable, Equatable {
    /// Dense, global, in order of recording. Assigned by the store.
    public var number: UInt64
    public var peer: String
    public var at: UInt64
    public var topic: String
    public var messageID: String
    public var reason: String
    public var verdict: Verdict
    public var scoreDelta: Double

    public init(
        number: UInt64 = 0, peer: String, at: UInt64, topic: String, messageID: String,
        reason: String, verdict: Verdict, scoreDelta: Double
    ) {
        self.number = number
        self.peer = peer
        self.at = at
        self.topic = topic
        self.messageID = messageID
        self.reason = reason
        self.verdict = verdict
        self.scoreDelta = scoreDelta
    }
}

extension LogRecord {
    /// The limits every log keeps (LMDB's keys are built from these fields).
    func checkAppendable() throws {
        guard !topic.isEmpty, topic.utf8.count <= 1024 else {
            throw StoreError(.invalidArgument, "topic name must be 1 to 1024 bytes, got \(topic.utf8.count)")
        }
        guard !messageID.isEmpty else { throw StoreError(.invalidArgument, "message id is empty") }
        guard don.utf8.count <= 255 else { throw StoreError(.invalidArgument, "DON id is over 255 bytes") }
    }
}

/// What to append: the record, the digest of the report it carries (for duplicate and
/// equivocation checks by DON and seq), and the penalty it earned its sender, if any.
public struct AppendItem: Sendable {
    public var record: LogRecord
    public var reportDigest: [UInt8]?
    public var penalty: PenaltyRecord?
    /// Only the penalty is written (a protocol penalty that no logged message goes with).
    var penaltyOnly = false
    /// Also store the record's data in the `registry` database as link `version` of DON
    /// `record.don`'s config chain (an applied config update), in the same transaction.
    public var registryVersion: UInt64?

    public init(record: LogRecord, reportDigest: [UInt8]? = nil, penalty: PenaltyRecord? = nil) {
        self.record = record
        self.reportDigest = reportDigest
        self.penalty = penalty
    }

    static func penaltyOnly(_ penalty: PenaltyRecord) -> AppendItem {
        var item = AppendItem(
            record: LogRecord(topic: "", messageID: "", receivedAt: 0, from: "", don: "", seq: 0, verdict: .reject, reason: "", data: []),
            penalty: penalty)
        item.penaltyOnly = true
        return item
    }
}

/// What became of one appended item.
public enum AppendOutcome: Sendable, Equatable {
    case appended(offset: UInt64)
    /// The topic already holds this message id; nothing was written.
    case duplicate(existingOffset: UInt64)
    /// Not accepted, and the log already holds its quota of records that were not
    /// (`StoreOptions.nonAcceptedQuota`): the record was not written, its penalty was.
    case overQuota
}

/// The highest accepted sequence number of one DON on one topic.
public struct Head: Sendable, Equatable {
    public var topic: String
    public var don: String
    public var seq: UInt64
    public var offset: UInt64

    public init(topic: String, don: String, seq: UInt64, offset: UInt64) {
        self.topic = topic
        self.don = don
        self.seq = seq
        self.offset = offset
    }
}

/// Size and extent of one topic's log.
public struct TopicInfo: Sendable, Equatable {
    public var name: String
    public var id: UInt32
    /// The first offset still stored (retention moves it up).
    public var firstOffset: UInt64
    /// The offset the next record gets; also the log length counted from 0.
    public var nextOffset: UInt64
    /// Bytes of stored record values.
    public var bytes: UInt64

    public var recordCount: UInt64 { nextOffset - firstOffset }
}
