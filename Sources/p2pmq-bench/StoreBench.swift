import ArgumentParser
import CLMDBBaseline
import Foundation
import Store

/// Appends, scans and queries a log of N records through the Swift store, and does the same LMDB
/// work in C (Sources/CLMDBBaseline) in the same run; prints each Swift figure as a ratio of C's.
struct StoreBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Append (batched, sync), scan and history-query rates of the store vs raw LMDB in C.")

    @Option(help: "Records to append in each mode.") var records = 1_000_000
    @Option(help: "Records per transaction (Swift: per append call, one group commit each).") var batch = 1000
    @Option(name: .customLong("data-size"), help: "Bytes of report data per record.") var dataSize = 256
    @Option(help: "Scratch folder (default: a new temporary folder, deleted after).") var dir: String?
    @Option(help: "History queries per kind, for latency percentiles.") var queries = 200
    @Option(help: "Runs of each append measurement (Swift and C interleaved); the median is shown.") var runs = 3
    @Flag(name: .customLong("skip-sync"), help: "Leave out the sync-mode appends (the slowest part).") var skipSync = false

    func run() throws {
        let root = dir ?? NSTemporaryDirectory() + "p2pmq-bench-\(getpid())"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { if dir == nil { try? FileManager.default.removeItem(atPath: root) } }
        let valueSize = try record(0).storedSize()
        print("store benchmark: \(records) records, \(dataSize) B data (\(valueSize) B stored value), batch \(batch)")
        print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores; scratch \(root)")
        #if DEBUG
        print("DEBUG BUILD: the Swift figures are not representative; use `swift run -c release p2pmq-bench store`")
        #endif
        print("")

        var rows: [(String, Double, Double)] = []
        for durability in skipSync ? [Durability.batched] : [.batched, .sync] {
            // Interleaved so that both sides see the same disk and page-cache conditions; each run
            // writes a fresh dir, and all but the last are deleted to bound disk use.
            var swift: [Double] = []
            var c: [Double] = []
            for run in 1...max(1, runs) {
                let last = run == max(1, runs)
                let swiftDir = root + "/swift-\(durability)", cDir = root + "/c-\(durability)"
                swift.append(try swiftAppend(swiftDir, durability: durability))
                c.append(try cAppend(cDir, sync: durability == .sync, valueSize: valueSize))
                note("append \(durability.rawValue) run \(run): swift \(formatRate(swift.last!)), C \(formatRate(c.last!))")
                if !last || durability == .sync {
                    try? FileManager.default.removeItem(atPath: swiftDir)
                    try? FileManager.default.removeItem(atPath: cDir)
                }
            }
            rows.append(("append \(durability.rawValue) (records/s)", percentile(swift, 50), percentile(c, 50)))
        }
        let (decoded, view) = try swiftScan(root + "/swift-batched")
        let cScan = try cScanRate(root + "/c-batched")
        rows.append(("scan, checked views (records/s)", view, cScan))
        rows.append(("scan, owned LogRecords (records/s)", decoded, cScan))

        print(pad("metric", 36) + pad("swift", 12) + pad("C LMDB", 12) + "swift/C")
        for (name, s, c) in rows {
            print(pad(name, 36) + pad(formatRate(s), 12) + pad(formatRate(c), 12) + String(format: "%.0f%%", s / c * 100))
        }
        print("goals: append >= 60% of C, scan >= 50% of C\n")
        try historyLatency(root + "/swift-batched")
    }

    private func record(_ i: Int) -> LogRecord { BenchRecords.make(i, size: dataSize) }

    private func swiftAppend(_ path: String, durability: Durability) throws -> Double {
        var options = StoreOptions()
        options.durability = durability
        options.initialMapSize = 1 << 30
        let store = try ReportStore.open(dataDir: path, options: options)
        defer { store.close() }
        var elapsed = 0.0
        var done = 0
        while done < records {
            let n = min(batch, records - done)
            let items = (done..<done + n).map { i in
                let r = record(i)
                return AppendItem(record: r, reportDigest: Array(r.messageID.utf8.prefix(32)))
            }
            let start = monotonicSeconds()
            _ = try store.appendAndWait(items)
            elapsed += monotonicSeconds() - start
            done += n
        }
        let start = monotonicSeconds()
        try store.flush()
        elapsed += monotonicSeconds() - start
        return Double(records) / elapsed
    }

    private func cAppend(_ path: String, sync: Bool, valueSize: Int) throws -> Double {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        var seconds = 0.0
        let rc = p2pmq_baseline_append(path, UInt64(records), valueSize, batch, sync ? 1 : 0, &seconds)
        guard rc == 0 else { throw ValidationError("C baseline append failed: LMDB error \(rc)") }
        return Double(records) / seconds
    }

    /// Scans in one open store, `runs` passes each (the first pass maps the pages); the fastest
    /// pass counts, as in the C baseline.
    private func swiftScan(_ path: String) throws -> (decoded: Double, view: Double) {
        var options = StoreOptions()
        options.readOnly = true
        let store = try ReportStore.open(dataDir: path, options: options)
        defer { store.close() }
        var sum = 0
        var copy = [UInt8](repeating: 0, count: 65536)
        func fastest(_ pass: () throws -> Int) throws -> Double {
            var best = 0.0
            for _ in 0..<max(2, runs) {
                let start = monotonicSeconds()
                let n = try pass()
                guard n == records else { throw ValidationError("scan saw \(n) records, expected \(records)") }
                best = max(best, Double(n) / (monotonicSeconds() - start))
            }
            return best
        }
        let view = try fastest {
            var n = 0
            try store.scanViews(topic: "bench") { _, view in
                // What a replay needs: the verdict, the message id and the data, copied out.
                copy.withUnsafeMutableBytes { $0.copyMemory(from: view.data) }
                sum &+= Int(copy[view.data.count / 2]) + view.messageIDBytes.count + Int(view.verdict.rawValue)
                n += 1
                return true
            }
            return n
        }
        let decoded = try fastest {
            var n = 0
            try store.scan(topic: "bench") { r in
                sum &+= r.data.count
                n += 1
                return true
            }
            return n
        }
        if sum == 42 { print("") }  // keeps the loops' work observable
        return (decoded, view)
    }

    private func cScanRate(_ path: String) throws -> Double {
        var n: UInt64 = 0
        var sum: UInt64 = 0
        var seconds = 0.0
        let rc = p2pmq_baseline_scan(path, Int32(max(2, runs)), &n, &sum, &seconds)
        guard rc == 0, n == UInt64(records) else { throw ValidationError("C baseline scan failed: rc \(rc), \(n) records") }
        return Double(n) / seconds
    }

    private func historyLatency(_ path: String) throws {
        let store = try ReportStore.open(dataDir: path)
        defer { store.close() }
        var start = monotonicSeconds()
        let index = try ReportIndex.rebuild(for: store)
        let buildSeconds = monotonicSeconds() - start
        print("history (SQLite index): built from the log at \(formatRate(Double(records) / buildSeconds)) records/s")
        var rng = SystemRandomNumberGenerator()
        let kinds: [(String, () -> HistoryQuery)] = [
            ("DON + seq range of 100", {
                var q = HistoryQuery()
                q.don = "don-a"
                let s = UInt64.random(in: 1...UInt64(max(1, records / 2)), using: &rng)
                q.seqRange = s...s + 99
                return q
            }),
            ("time range, newest 100", {
                var q = HistoryQuery()
                let t = UInt64.random(in: 0..<UInt64(records), using: &rng)
                q.since = 1_700_000_000_000_000_000 + t * 1_000_000
                q.until = q.since! + 10_000_000_000
                q.limit = 100
                return q
            }),
            ("peer, newest 100", {
                var q = HistoryQuery()
                q.from = BenchRecords.peer(Int.random(in: 0..<20, using: &rng))
                q.limit = 100
                return q
            }),
        ]
        print(pad("query (including record fetch from LMDB)", 44) + pad("p50", 10) + "p99")
        for (name, make) in kinds {
            var samples: [Double] = []
            for _ in 0..<queries {
                let q = make()
                start = monotonicSeconds()
                let found = try index.history(q).compactMap { try store.record(topic: $0.topic, offset: $0.offset) }
                samples.append(monotonicSeconds() - start)
                if found.isEmpty, records > 1000 { throw ValidationError("query '\(name)' found nothing") }
            }
            print(pad(name, 44) + pad(String(format: "%.2f ms", percentile(samples, 50) * 1000), 10)
                + String(format: "%.2f ms", percentile(samples, 99) * 1000))
        }
    }

}
