/// Drops the oldest records of each topic while the topic is older or larger than its policy.
/// Offsets of the records that remain do not change: the topic's first offset moves up.
extension WriterState {
    mutating func applyRetention(
        now: UInt64, options: StoreOptions, _ txn: WriteTransaction, _ dbs: Databases
    ) throws -> [String: UInt64] {
        var removed: [String: UInt64] = [:]
        for (name, original) in topics {
            let policy = options.retention(for: name)
            guard policy.maxAgeNanoseconds != nil || policy.maxBytes != nil else { continue }
            var info = original
            while info.firstOffset < info.nextOffset {
                let key = Keys.log(info.id, info.firstOffset)
                guard let value = try txn.get(dbs.log, key) else {
                    info.firstOffset += 1  // a hole left by an interrupted older version; skip it
                    continue
                }
                let record = try? RecordCodec.decodeRecord(value, topic: name, offset: info.firstOffset)
                let tooOld = policy.maxAgeNanoseconds.map { limit in
                    record.map { now > $0.receivedAt && now - $0.receivedAt > limit } ?? true
                } ?? false
                let tooBig = policy.maxBytes.map { info.bytes > $0 } ?? false
                guard tooOld || tooBig else { break }
                let size = UInt64(value.count)
                if let record {
                    try txn.delete(dbs.messageIDs, Keys.messageID(info.id, record.messageID))
                    if !record.don.isEmpty {
                        let seqKey = Keys.donSeq(info.id, record.don, record.seq)
                        let offsetBytes = Keys.number(info.firstOffset)
                        for v in try txn.duplicates(dbs.donSeq, seqKey) where v.suffix(8).elementsEqual(offsetBytes) {
                            try txn.delete(dbs.donSeq, seqKey, value: v)
                        }
                    }
                }
                try txn.delete(dbs.log, key)
                if record?.verdict != .accept { nonAcceptedBytes -= min(nonAcceptedBytes, size) }
                info.bytes -= min(info.bytes, size)
                info.firstOffset += 1
                removed[name, default: 0] += 1
            }
            if info != original {
                topics[name] = info
                try txn.put(dbs.topics, Array(name.utf8), info.encoded())
            }
        }
        if !removed.isEmpty { try txn.put(dbs.meta, Self.nonAcceptedKey, Keys.number(nonAcceptedBytes)) }
        return removed
    }
}
