import Foundation
import Store

/// What one node's data dir holds after (or during) the run, read beside the agent (read-only).
struct NodeInspection {
    /// Distinct seqs held per DON, counting only the produced ones.
    var held: [String: Int] = [:]
    /// The produced seqs held per DON.
    var heldSeqs: [String: Set<UInt64>] = [:]
    /// Highest seq per DON.
    var heads: [String: UInt64] = [:]
    /// Log records per "VERDICT reason" (reason up to its first ':').
    var records: [String: Int] = [:]
    var totalRecords = 0
    /// Penalties this node recorded, per peer, per reason (up to its first ':').
    var penalties: [String: [String: Int]] = [:]
    var diskBytes: UInt64 = 0

    static func reasonKey(_ reason: String) -> String {
        String(reason.split(separator: ":", maxSplits: 1).first ?? "").trimmingCharacters(in: .whitespaces)
    }

    /// Reads `dataDir`; `produced` is how many reports each DON made (seqs from
    /// `ReportProducer.firstSeq` on, topic "<id>/reports").
    static func read(dataDir: String, produced: [String: UInt64], withLog: Bool = true) throws -> NodeInspection {
        var options = StoreOptions()
        options.readOnly = true
        let store = try ReportStore.open(dataDir: dataDir, options: options)
        defer { store.close() }
        var n = NodeInspection()
        for (don, count) in produced {
            let topic = don + "/reports"
            var seen = Set<UInt64>()
            let last = ReportProducer.firstSeq + count - 1
            try store.scanSeqs(topic: topic, don: don, from: ReportProducer.firstSeq) { seq in
                guard seq <= last else { return false }
                seen.insert(seq)
                return true
            }
            n.held[don] = seen.count
            n.heldSeqs[don] = seen
            if let h = try store.head(topic: topic, don: don) { n.heads[don] = h.seq }
            guard withLog else { continue }
            try store.scanViews(topic: topic) { _, view in
                let r = try view.record(topic: topic, offset: 0)
                n.records["\(r.verdict.name) \(reasonKey(r.reason))", default: 0] += 1
                n.totalRecords += 1
                return true
            }
        }
        if withLog {
            try store.penalties { p in
                n.penalties[p.peer, default: [:]][reasonKey(p.reason), default: 0] += 1
                return true
            }
            n.diskBytes = allocatedBytes(dataDir)
        }
        return n
    }

    /// Disk blocks in use under `path` (LMDB's file is sparse: its length is the map size).
    static func allocatedBytes(_ path: String) -> UInt64 {
        var total: UInt64 = 0
        let fm = FileManager.default
        guard let walker = fm.enumerator(atPath: path) else { return 0 }
        for case let name as String in walker {
            var st = stat()
            if stat(path + "/" + name, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG { total += UInt64(st.st_blocks) * 512 }
        }
        return total
    }
}
