/// Reads by (topic, DON, seq) through the `donseq` index: what range sync serves and what a
/// joiner checks to find the seqs it lacks.
extension ReportStore {
    /// One DON's reports on a topic as the index holds them: accepted reports and kept
    /// equivocation evidence, in seq order.
    public struct StreamExtent: Sendable, Equatable {
        public var topic: String
        public var don: String
        public var headSeq: UInt64
        public var firstSeq: UInt64
        public var logLength: UInt64
    }

    /// Head, lowest held seq and log length of every DON on `topics` (nil: all topics); topics
    /// that are not stored are left out.
    public func extents(topics: [String]? = nil) throws -> [StreamExtent] {
        try env.read { txn in
            var result: [StreamExtent] = []
            let infos = try topics.map { try $0.compactMap { try self.topic($0, txn) } } ?? topicsIn(txn)
            for info in infos {
                try txn.scan(dbs.heads, prefix: Keys.topicPrefix(info.id)) { key, value in
                    let don = String(decoding: key.dropFirst(4), as: UTF8.self)
                    var first = Keys.decodeU64(value)
                    try txn.scan(dbs.donSeq, prefix: Keys.donSeqPrefix(info.id, don)) { k, _ in
                        first = Keys.decodeU64(k, at: k.count - 8)
                        return false
                    }
                    result.append(StreamExtent(topic: info.name, don: don, headSeq: Keys.decodeU64(value), firstSeq: first, logLength: info.nextOffset))
                    return true
                }
            }
            return result
        }
    }

    /// Calls `body` with each seq the index holds for (topic, DON) from `fromSeq` on, in order
    /// (a seq with kept equivocation evidence comes more than once), until it returns false.
    public func scanSeqs(topic: String, don: String, from fromSeq: UInt64 = 0, _ body: (UInt64) throws -> Bool) throws {
        try env.read { txn in
            guard let info = try self.topic(topic, txn) else { return }
            try txn.scan(dbs.donSeq, prefix: Keys.donSeqPrefix(info.id, don), from: Keys.donSeq(info.id, don, fromSeq)) { key, _ in
                try body(Keys.decodeU64(key, at: key.count - 8))
            }
        }
    }

    /// What a read by seq found at one index entry.
    public enum SeqEntry {
        case record(RecordView)
        /// The indexed log record failed its checksum or is missing: the error names it.
        case unreadable(offset: UInt64, StoreError)
    }

    /// Calls `body` with each index entry of (topic, DON) from `fromSeq` on and the log record
    /// it points at, in seq order, in one read transaction. A damaged record does not end the
    /// scan: it is handed over as `.unreadable`.
    public func scanReports(
        topic: String, don: String, from fromSeq: UInt64, _ body: (UInt64, UInt64, SeqEntry) throws -> Bool
    ) throws {
        try env.read { txn in
            let info = try requireTopic(topic, txn)
            try txn.scan(dbs.donSeq, prefix: Keys.donSeqPrefix(info.id, don), from: Keys.donSeq(info.id, don, fromSeq)) { key, value in
                let seq = Keys.decodeU64(key, at: key.count - 8)
                guard value.count >= 8 else {
                    return try body(seq, 0, .unreadable(offset: 0, StoreError(.corruptRecord, "index entry for \(don) seq \(seq) on '\(topic)' is damaged")))
                }
                let offset = Keys.decodeU64(value, at: value.count - 8)
                guard let stored = try txn.get(dbs.log, Keys.log(info.id, offset)) else {
                    return try body(seq, offset, .unreadable(offset: offset, StoreError(.corruptRecord, "record at '\(topic)' offset \(offset) is indexed but missing")))
                }
                do {
                    return try body(seq, offset, .record(try RecordView(stored, topic: topic, offset: offset)))
                } catch let error as StoreError {
                    return try body(seq, offset, .unreadable(offset: offset, error))
                }
            }
        }
    }
}
