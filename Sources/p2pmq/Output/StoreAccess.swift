import Foundation
import Store

/// How commands open a data dir.
enum StoreAccess {
    /// For queries: takes the write lock when free (then the index is brought up to date, or
    /// rebuilt if it was deleted); when a running agent holds it, reads alongside it.
    static func openForQuery(_ dataDir: String) throws -> (ReportStore, ReportIndex) {
        try requireExisting(dataDir)
        let store: ReportStore
        do {
            store = try ReportStore.open(dataDir: dataDir)
        } catch let error as StoreError where error.code == .locked {
            store = try openReadOnly(dataDir)
        }
        let index = try ReportIndex.open(for: store, progress: progressPrinter("indexing"))
        return (store, index)
    }

    /// For commands that only read the log (never the index): no lock, works beside a writer.
    static func openReadOnly(_ dataDir: String) throws -> ReportStore {
        try requireExisting(dataDir)
        var options = StoreOptions()
        options.readOnly = true
        return try ReportStore.open(dataDir: dataDir, options: options)
    }

    static func requireExisting(_ dataDir: String) throws {
        guard FileManager.default.fileExists(atPath: dataDir + "/log/data.mdb") else {
            throw StoreError(.io, "no p2pmq data in \(dataDir) (missing log/data.mdb); check --data-dir or run `p2pmq import` first")
        }
    }

    /// Prints catch-up progress to stderr for large jobs, at most every 100k records.
    static func progressPrinter(_ verb: String) -> (CatchUpProgress) -> Void {
        var lastPrinted: UInt64 = 0
        return { p in
            if p.indexed < lastPrinted { lastPrinted = 0 }  // next topic
            guard p.total >= 100_000, p.indexed - lastPrinted >= 100_000 || p.indexed == p.total else { return }
            lastPrinted = p.indexed
            note("\(verb) \(p.topic): \(p.indexed)/\(p.total) records")
        }
    }
}
