import AgentAPI
import DON
import Foundation
import Store

/// The `Message.context` a live agent would have sent with each replayed record, rebuilt from the
/// log itself: the head of the record's DON as of the records before it (their recorded
/// verdicts), the digests stored at its seq, and whether range sync brought it. Depends on the
/// log alone, so the same log gives a validator the same questions every time.
struct ReplayContext {
    private var heads: [String: UInt64] = [:]
    private var digests: [String: [UInt64: [[UInt8]]]] = [:]

    /// Replays the log's records before `offset` into the tracker.
    init(store: ReportStore, topic: String, before offset: UInt64) throws {
        guard let first = try store.topic(topic)?.firstOffset, first < offset else { return }
        try store.scan(topic: topic, from: first) { r in
            guard r.offset < offset else { return false }
            note(r)
            return true
        }
    }

    func context(for r: LogRecord) -> Proto_ValidationContext {
        var c = Proto_ValidationContext()
        if r.reason == "synced" {
            c.historical = true
            return c
        }
        guard !r.don.isEmpty, let head = heads[r.don] else { return c }
        c.headSeq = head
        if r.seq <= head { c.storedDigests = (digests[r.don]?[r.seq] ?? []).map { Data($0) } }
        return c
    }

    /// Takes in a record (in log order) as the store did when it was appended.
    mutating func note(_ r: LogRecord) {
        guard !r.don.isEmpty, r.verdict == .accept || r.reason == "equivocation",
              let digest = DecodedReport.digest(of: r.data, topic: r.topic) else { return }
        digests[r.don, default: [:]][r.seq, default: []].append(digest)
        if r.verdict == .accept { heads[r.don] = max(heads[r.don] ?? r.seq, r.seq) }
    }
}
