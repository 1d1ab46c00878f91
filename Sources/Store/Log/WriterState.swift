import Wire
/// What the single writer keeps between commits: the topic catalogue and the next penalty number.
/// A value type, so that a transaction retried after a map resize starts again from the same state
/// and the state is kept only when the commit succeeds.
struct WriterState {
    var topics: [String: TopicInfo] = [:]
    var nextTopicID: UInt32 = 1
    var nextPenalty: UInt64 = 0
    /// Bytes of stored records that were not accepted (the `meta` key `nonaccepted_bytes`), and
    /// the most the log may hold (nil: no limit).
    var nonAcceptedBytes: UInt64 = 0
    var nonAcceptedQuota: UInt64?

    static let nonAcceptedKey = Array("nonaccepted_bytes".utf8)

    static func load(_ txn: some LMDBReadable, _ dbs: Databases, quota: UInt64? = nil) throws -> WriterState {
        var state = WriterState()
        state.nonAcceptedQuota = quota
        if let v = try txn.get(dbs.meta, nonAcceptedKey), v.count == 8 { state.nonAcceptedBytes = Keys.decodeU64(v) }
        try txn.scan(dbs.topics, prefix: []) { key, value in
            let name = String(decoding: key, as: UTF8.self)
            let info = try TopicInfo(name: name, encoded: value)
            state.topics[name] = info
            state.nextTopicID = max(state.nextTopicID, info.id + 1)
            return true
        }
        let cursor = try txn.cursor(dbs.penalties)
        defer { cursor.close() }
        if let (key, _) = try cursor.last(), key.count == 8 {
            state.nextPenalty = Keys.decodeU64(key) + 1
        }
        return state
    }
}

/// An append item with its values encoded before it reaches the writer thread, so that the
/// writer only moves bytes and a bad item fails its own caller, not a whole group commit.
struct EncodedItem {
    let topic: String
    let messageID: String
    let don: String
    let seq: UInt64
    let verdict: Verdict
    let value: [UInt8]
    let reportDigest: [UInt8]?
    let penalty: [UInt8]?
    let penaltyOnly: Bool
    let registryVersion: UInt64?

    init(_ item: AppendItem) throws {
        let r = item.record
        penaltyOnly = item.penaltyOnly
        registryVersion = item.registryVersion
        if penaltyOnly {
            (topic, messageID, don, seq, verdict, value, reportDigest) = ("", "", "", 0, r.verdict, [], nil)
            penalty = try item.penalty.map { try RecordCodec.encode($0) }
            return
        }
        try r.checkAppendable()
        topic = r.topic
        messageID = r.messageID
        don = r.don
        seq = r.seq
        verdict = r.verdict
        value = try RecordCodec.encode(r)
        reportDigest = item.reportDigest
        penalty = try item.penalty.map { try RecordCodec.encode($0) }
    }
}

extension WriterState {
    /// Writes a batch of items into `txn`, updating the state copy it was called on.
    mutating func apply(_ items: [EncodedItem], _ txn: WriteTransaction, _ dbs: Databases) throws -> [AppendOutcome] {
        var outcomes: [AppendOutcome] = []
        outcomes.reserveCapacity(items.count)
        var touched: Set<String> = []
        let nonAcceptedBefore = nonAcceptedBytes
        for item in items {
            if item.penaltyOnly {
                try putPenalty(item, txn, dbs)
                outcomes.append(.appended(offset: nextPenalty - 1))
                continue
            }
            var info = try topic(item.topic, txn, dbs)
            let msgKey = Keys.messageID(info.id, item.messageID)
            if let existing = try txn.get(dbs.messageIDs, msgKey), existing.count == 8 {
                let existingOffset = Keys.decodeU64(existing)
                // A message stored without ACCEPT (too late, dropped, rejected) may be appended
                // again as ACCEPT, e.g. when range sync brings it as history: the log keeps both
                // records and the id now points at the accepted one.
                guard item.verdict == .accept, let verdict = try storedVerdict(txn, dbs, info.id, existingOffset), verdict != .accept else {
                    outcomes.append(.duplicate(existingOffset: existingOffset))
                    continue
                }
            }
            if item.verdict != .accept {
                let size = UInt64(item.value.count)
                if let quota = nonAcceptedQuota, nonAcceptedBytes + size > quota {
                    try putPenalty(item, txn, dbs)
                    outcomes.append(.overQuota)
                    continue
                }
                nonAcceptedBytes += size
            }
            let offset = info.nextOffset
            let offsetBytes = Keys.number(offset)
            try txn.put(dbs.log, Keys.log(info.id, offset), item.value)
            try txn.put(dbs.messageIDs, msgKey, offsetBytes)
            if !item.don.isEmpty, let digest = item.reportDigest {
                try txn.put(dbs.donSeq, Keys.donSeq(info.id, item.don, item.seq), digest + offsetBytes)
            }
            if let version = item.registryVersion, item.verdict == .accept {
                try txn.put(dbs.registry, Keys.registry(item.don, version), item.value)
            }
            if item.verdict == .accept, !item.don.isEmpty {
                let headKey = Keys.head(info.id, item.don)
                let current = try txn.get(dbs.heads, headKey).map { Keys.decodeU64($0) }
                if current.map({ item.seq > $0 }) ?? true {
                    var w = BinaryWriter(capacity: 16)
                    w.u64(item.seq)
                    w.u64(offset)
                    try txn.put(dbs.heads, headKey, w.bytes)
                }
            }
            try putPenalty(item, txn, dbs)
            info.nextOffset += 1
            info.bytes += UInt64(item.value.count)
            topics[item.topic] = info
            touched.insert(item.topic)
            outcomes.append(.appended(offset: offset))
        }
        for name in touched {
            try txn.put(dbs.topics, Array(name.utf8), topics[name]!.encoded())
        }
        if nonAcceptedBytes != nonAcceptedBefore { try txn.put(dbs.meta, Self.nonAcceptedKey, Keys.number(nonAcceptedBytes)) }
        return outcomes
    }

    /// Writes the item's penalty, if it has one, under the next penalty number.
    private mutating func putPenalty(_ item: EncodedItem, _ txn: WriteTransaction, _ dbs: Databases) throws {
        guard let penalty = item.penalty else { return }
        try txn.put(dbs.penalties, Keys.number(nextPenalty), penalty)
        nextPenalty += 1
    }

    /// The verdict byte of a stored record (right after its version and checksum), nil when the
    /// record is gone (retention) or too short to hold one.
    private func storedVerdict(_ txn: WriteTransaction, _ dbs: Databases, _ topic: UInt32, _ offset: UInt64) throws -> Verdict? {
        guard let value = try txn.get(dbs.log, Keys.log(topic, offset)), value.count > 5 else { return .ignore }
        return Verdict(rawValue: value[5])
    }

    private mutating func topic(_ name: String, _ txn: WriteTransaction, _ dbs: Databases) throws -> TopicInfo {
        if let info = topics[name] { return info }
        let info = TopicInfo(name: name, id: nextTopicID, firstOffset: 0, nextOffset: 0, bytes: 0)
        nextTopicID += 1
        try txn.put(dbs.topics, Array(name.utf8), info.encoded())
        topics[name] = info
        return info
    }
}
