import Synchronization
import Wire

/// A `ReportLog` in memory, with the LMDB log's rules (dense offsets, dedup, a stored non-ACCEPT
/// superseded by an ACCEPT, heads, the (DON, seq) index, penalty numbers, the quota on records
/// that were not accepted): for tests that need a log but not a disk, and for the simulator.
/// Nothing survives the process.
public final class MemoryReportLog: ReportLog {
    private struct Topic {
        var info: TopicInfo
        var records: [LogRecord] = []
        var ids: [String: UInt64] = [:]
        var heads: [String: Head] = [:]
        /// (DON, seq) -> (digest, offset), kept in the store's order (by digest, then offset).
        var index: [String: [UInt64: [(digest: [UInt8], offset: UInt64)]]] = [:]
    }

    private struct State {
        var topics: [String: Topic] = [:]
        var penalties: [PenaltyRecord] = []
        var nonAcceptedBytes: UInt64 = 0
    }

    private let state = Mutex(State())
    /// Most bytes of non-accepted records kept (nil: no limit), as `store.nonAcceptedQuota`.
    public let nonAcceptedQuota: UInt64?

    public init(nonAcceptedQuota: UInt64? = nil) { self.nonAcceptedQuota = nonAcceptedQuota }

    public func append(_ items: [AppendItem]) async throws -> [AppendOutcome] { try appendNow(items) }

    /// `append` without suspending (the simulator calls it from its event loop).
    public func appendNow(_ items: [AppendItem]) throws -> [AppendOutcome] {
        for item in items where !item.penaltyOnly { try item.record.checkAppendable() }
        return state.withLock { s in items.map { apply($0, &s) } }
    }

    public func appendPenalty(_ penalty: PenaltyRecord) async throws {
        _ = try appendNow([.penaltyOnly(penalty)])
    }

    private func apply(_ item: AppendItem, _ s: inout State) -> AppendOutcome {
        if item.penaltyOnly {
            addPenalty(item.penalty, &s)
            return .appended(offset: UInt64(s.penalties.count - 1))
        }
        let r = item.record
        var t = s.topics[r.topic] ?? Topic(info: TopicInfo(name: r.topic, id: UInt32(s.topics.count + 1), firstOffset: 0, nextOffset: 0, bytes: 0))
        if let existing = t.ids[r.messageID] {
            guard r.verdict == .accept, t.records[Int(existing)].verdict != .accept else { return .duplicate(existingOffset: existing) }
        }
        let size = UInt64(r.data.count + r.reason.utf8.count + r.from.utf8.count + r.messageID.utf8.count + 48)
        if r.verdict != .accept {
            if let quota = nonAcceptedQuota, s.nonAcceptedBytes + size > quota {
                addPenalty(item.penalty, &s)
                return .overQuota
            }
            s.nonAcceptedBytes += size
        }
        let offset = t.info.nextOffset
        var stored = r
        stored.offset = offset
        t.records.append(stored)
        t.ids[r.messageID] = offset
        if !r.don.isEmpty, let digest = item.reportDigest {
            var entries = t.index[r.don, default: [:]][r.seq, default: []]
            entries.append((digest, offset))
            entries.sort { $0.digest != $1.digest ? $0.digest.lexicographicallyPrecedes($1.digest) : $0.offset < $1.offset }
            t.index[r.don, default: [:]][r.seq] = entries
        }
        if r.verdict == .accept, !r.don.isEmpty, t.heads[r.don].map({ r.seq > $0.seq }) ?? true {
            t.heads[r.don] = Head(topic: r.topic, don: r.don, seq: r.seq, offset: offset)
        }
        addPenalty(item.penalty, &s)
        t.info.nextOffset += 1
        t.info.bytes += size
        s.topics[r.topic] = t
        return .appended(offset: offset)
    }

    private func addPenalty(_ penalty: PenaltyRecord?, _ s: inout State) {
        guard var p = penalty else { return }
        p.number = UInt64(s.penalties.count)
        s.penalties.append(p)
    }

    public func topic(_ name: String) throws -> TopicInfo? { state.withLock { $0.topics[name]?.info } }

    private func requireTopic(_ name: String, _ s: State) throws -> Topic {
        guard let t = s.topics[name] else {
            throw StoreError(.unknownTopic, "unknown topic '\(name)'; `p2pmq heads` lists the stored topics")
        }
        return t
    }

    public func record(topic: String, offset: UInt64) throws -> LogRecord? {
        try state.withLock { s in
            let t = try requireTopic(topic, s)
            return offset < UInt64(t.records.count) ? t.records[Int(offset)] : nil
        }
    }

    public func scan(topic: String, from: UInt64, _ body: (LogRecord) throws -> Bool) throws {
        // A snapshot, as the LMDB scan's read transaction gives: appends during the scan are not seen.
        let records = try state.withLock { s in try requireTopic(topic, s).records }
        for r in records.dropFirst(Int(min(from, UInt64(records.count)))) { guard try body(r) else { return } }
    }

    public func offset(topic: String, messageID: String) throws -> UInt64? {
        state.withLock { $0.topics[topic]?.ids[messageID] }
    }

    public func head(topic: String, don: String) throws -> Head? {
        state.withLock { $0.topics[topic]?.heads[don] }
    }

    public func reports(topic: String, don: String, seq: UInt64) throws -> [(digest: [UInt8], offset: UInt64)] {
        state.withLock { $0.topics[topic]?.index[don]?[seq] ?? [] }
    }

    public func scanSeqs(topic: String, don: String, from: UInt64, _ body: (UInt64) throws -> Bool) throws {
        let index = state.withLock { $0.topics[topic]?.index[don] ?? [:] }
        for seq in index.keys.sorted() where seq >= from {
            for _ in index[seq]! { guard try body(seq) else { return } }
        }
    }

    public func penalties(from: UInt64, _ body: (PenaltyRecord) throws -> Bool) throws {
        let all = state.withLock { $0.penalties }
        for p in all.dropFirst(Int(min(from, UInt64(all.count)))) { guard try body(p) else { return } }
    }
}
