import Core
import Foundation
import Store

/// Answers a range request from the store: the accepted reports of one DON with seqs in
/// [start, start + count), in seq order, every seq it cannot send declared as a gap, ended by
/// one `RangeEnd`. Records that fail their checksum are skipped, declared as gaps and reported,
/// so one damaged record neither stops serving nor reaches a peer.
struct RangeServer {
    let store: ReportStore

    struct Answer {
        var frames: [SyncProtocol.Frame]
        var records = 0
        /// Descriptions of the records skipped as unreadable, for the log.
        var corrupt: [String] = []
    }

    func answer(_ request: P2pmq_Sync_RangeRequest) -> Answer {
        let start = request.startSeq
        func refuse(_ status: SyncProtocol.End.Status, _ why: String) -> Answer {
            Answer(frames: [SyncProtocol.end(status, next: start, why)])
        }
        guard request.count >= 1, request.count <= SyncProtocol.maxCount else {
            return refuse(.badRequest, "count must be 1 to \(SyncProtocol.maxCount), got \(request.count)")
        }
        guard !request.topic.isEmpty, !request.don.isEmpty else { return refuse(.badRequest, "topic and DON must be named") }
        guard request.maxBytes <= SyncProtocol.maxMaxBytes else {
            return refuse(.badRequest, "max_bytes is at most \(SyncProtocol.maxMaxBytes), got \(request.maxBytes)")
        }
        let budget = request.maxBytes == 0 ? SyncProtocol.defaultMaxBytes : request.maxBytes
        let head: Head?
        do {
            guard try store.topic(request.topic) != nil else { return refuse(.unknownTopic, "no topic '\(request.topic)' here") }
            head = try store.head(topic: request.topic, don: request.don)
        } catch {
            return refuse(.internal, "store: \(error)")
        }
        guard let head else { return refuse(.unknownDon, "no reports of DON '\(request.don)' on '\(request.topic)' here") }
        guard start <= head.seq else { return refuse(.beyondHead, "start seq \(start) is beyond head \(head.seq)") }
        let (sum, overflow) = start.addingReportingOverflow(UInt64(request.count) - 1)
        let last = overflow ? head.seq : min(sum, head.seq)

        var answer = Answer(frames: [])
        var expected = start
        var bytes: UInt64 = 0
        var corruptSeqs: [UInt64: String] = [:]
        /// Declares [expected, upTo] as gaps, separating seqs whose record is damaged.
        func gaps(upTo: UInt64) {
            guard upTo >= expected else { return }
            var from = expected
            for seq in corruptSeqs.keys.sorted() where seq >= expected && seq <= upTo {
                if seq > from { answer.frames.append(SyncProtocol.gap(from, seq - 1, "not stored")) }
                answer.frames.append(SyncProtocol.gap(seq, seq, corruptSeqs[seq]!))
                from = seq + 1
            }
            if from <= upTo { answer.frames.append(SyncProtocol.gap(from, upTo, "not stored")) }
            expected = upTo + 1
        }
        var stoppedByBudget = false
        do {
            try store.scanReports(topic: request.topic, don: request.don, from: start) { seq, _, entry in
                guard seq <= last else { return false }
                guard seq >= expected else { return true }  // a second entry for a seq already sent
                switch entry {
                case .unreadable(let offset, let error):
                    corruptSeqs[seq] = "corrupt record at offset \(offset)"
                    answer.corrupt.append("\(request.topic) offset \(offset) (\(request.don) seq \(seq)): \(error.message)")
                    return true
                case .record(let view):
                    // Kept equivocation evidence and other non-accepted entries are not served.
                    guard view.verdict == .accept else { return true }
                    let size = UInt64(view.data.count + view.messageIDBytes.count + 16)
                    if bytes + size > budget, answer.records > 0 {
                        stoppedByBudget = true
                        return false
                    }
                    if seq > expected { gaps(upTo: seq - 1) }
                    var r = P2pmq_Sync_SyncedRecord()
                    r.seq = seq
                    r.messageID = view.messageID
                    r.data = Data(view.data)
                    var f = SyncProtocol.Frame()
                    f.record = r
                    answer.frames.append(f)
                    answer.records += 1
                    bytes += size
                    expected = seq + 1
                    return true
                }
            }
        } catch {
            answer.frames.append(SyncProtocol.end(.internal, next: expected, "store: \(error)"))
            return answer
        }
        if !stoppedByBudget { gaps(upTo: last) }
        answer.frames.append(SyncProtocol.end(.ok, next: expected, corrupt: UInt32(answer.corrupt.count)))
        return answer
    }
}
