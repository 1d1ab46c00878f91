/// What to make of one range response once every record in it has been checked, pure: which
/// records to append (a second report for a held seq is kept as equivocation evidence, not
/// accepted), which seqs are now covered, which the peer could not provide, and, when it sent
/// forgeries, the evidence to keep and the penalty. The sync service reads the log for
/// `storedDigests` and writes what this says.
public struct RangeJudgement: Sendable {
    public struct Record: Sendable, Equatable {
        public var seq: UInt64
        public var messageID: String
        public var data: [UInt8]

        public init(seq: UInt64, messageID: String, data: [UInt8]) {
            (self.seq, self.messageID, self.data) = (seq, messageID, data)
        }
    }

    public struct Keep: Sendable, Equatable {
        public var record: Record
        public var digest: [UInt8]
        /// A different report is already held for this seq: kept as evidence (IGNORE
        /// `equivocation`), not accepted.
        public var equivocation: Bool
    }

    /// The first forged record, kept as the evidence for the penalty (`p2pmq audit replay`
    /// re-checks it); its id is the hash of what was actually sent.
    public struct Evidence: Sendable, Equatable {
        public var seq: UInt64
        public var messageID: String
        public var reason: String
        public var data: [UInt8]
    }

    public private(set) var keep: [Keep] = []
    /// Seqs held after this response (appended now, or held already).
    public private(set) var covered = SeqRanges()
    /// Seqs the peer did not provide validly (IGNOREd or forged).
    public private(set) var lacking = SeqRanges()
    public private(set) var ignored = 0
    public private(set) var forged = 0
    public private(set) var evidence: Evidence?
    /// The penalty for the forgeries: (code, detail).
    public private(set) var penalty: (code: String, detail: String)?

    public init(records: [Record], checks: [SyncCheck], storedDigests: (UInt64) -> [[UInt8]]) {
        var firstForged: (Record, code: String, detail: String)?
        for (record, check) in zip(records, checks) {
            switch check {
            case .accept(let digest):
                let stored = storedDigests(record.seq)
                if stored.contains(digest) {
                    covered.insert(record.seq...record.seq)
                    continue
                }
                keep.append(Keep(record: record, digest: digest, equivocation: !stored.isEmpty))
            case .ignore:
                ignored += 1
                lacking.insert(record.seq...record.seq)
            case .forged(let code, let detail):
                forged += 1
                if firstForged == nil { firstForged = (record, code, detail) }
                lacking.insert(record.seq...record.seq)
            }
        }
        if let (record, code, detail) = firstForged {
            let why = detail.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
            evidence = Evidence(seq: record.seq, messageID: MessageIDFunction.contentHash(of: record.data), reason: "\(code): \(why)", data: record.data)
            penalty = (code, "\(detail) (seq \(record.seq); \(forged) of \(records.count) records in the response failed)")
        }
    }

    /// Seqs the log now holds after appending `keep` (the caller says which were written).
    public mutating func appended(_ seq: UInt64) { covered.insert(seq...seq) }
}
