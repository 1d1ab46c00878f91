import Agent
import ArgumentParser
import Foundation
import Store

/// `p2pmq replay`'s path (log -> gRPC -> validator -> verdicts in log order; the validator on
/// our batched stream `Batch.Validate`, and for comparison on the Go API's one-message stream)
/// against a NATS
/// JetStream ordered consumer replaying the same number of same-size messages from a file-store
/// stream, in the same run (issue 19). The raw scan of the same log is printed as well: the
/// ceiling of reading it.
struct ReplayBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay over gRPC into an accept-all validator vs a JetStream ordered consumer.",
        discussion: """
            The JetStream side runs bench/jetstream/baseline.sh (Debian's nats-server and Go NATS \
            client, installed if missing; the server on 127.0.0.1 with a temporary store, stopped \
            by PID). Without it the bench says why and prints our figures alone. The last line is \
            one JSON object: {"ours_per_s", "jetstream_ordered_per_s", "ratio", ...}.
            """)

    @Option(help: "Records in the log (and messages in the stream).") var records = 100_000
    @Option(help: "Bytes of data per record.") var size = 256
    @Option(help: "Messages in flight to the validator.") var window = 4096
    @Option(help: "Runs of each side, alternating; medians are reported.") var runs = 3
    @Option(help: "The JetStream baseline script.") var jetstreamScript = "bench/jetstream/baseline.sh"
    @Flag(help: "Only the last line (JSON) on standard output.") var json = false

    func run() async throws {
        let root = NSTemporaryDirectory() + "p2pmq-bench-replay-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: root) }
        var options = StoreOptions()
        options.initialMapSize = 1 << 30
        let store = try ReportStore.open(dataDir: root, options: options)
        defer { store.close() }
        note("writing \(records) records of \(size) B")
        try BenchRecords.fill(store, count: records, size: size)
        let scan = try scanRate(store)

        var ours: [Double] = [], single: [Double] = [], theirs: [Double] = []
        var jetstreamProblem: String?
        for run in 1...max(1, runs) {
            for batched in [true, false] {
                let pool = ValidatorPool()
                let validator = try await AcceptAllValidator.connect(to: pool, batched: batched)
                let rate = try await replayRate(store, topic: "bench", pool: pool, window: window, expect: records)
                if batched { ours.append(rate) } else { single.append(rate) }
                await validator.stop()
            }
            if jetstreamProblem == nil {
                switch JetStreamBaseline.run(script: jetstreamScript, mode: "replay", messages: records, size: size) {
                case .success(let object):
                    theirs.append(object["jetstream_ordered_per_s"] as? Double ?? .nan)
                case .failure(let why):
                    jetstreamProblem = why.description
                    note("JetStream baseline unavailable: \(why)")
                }
            }
            note(String(format: "run %d: ours %.0f/s (Batch.Validate), %.0f/s (ValidationRouter.Handle), JetStream %@", run, ours.last!, single.last!, theirs.count == run ? String(format: "%.0f/s", theirs.last!) : "-"))
        }
        let oursMedian = percentile(ours, 50)
        let theirsMedian = theirs.isEmpty ? nil : percentile(theirs, 50)
        if !json {
            #if DEBUG
            print("DEBUG BUILD: not representative; use `swift run -c release p2pmq-bench replay`")
            #endif
            print("replay of \(records) records of \(size) B, window \(window), \(runs) runs (median; min-max)")
            print(pad("path", 44) + pad("rate", 14) + "spread")
            print(pad("p2pmq replay, Batch.Validate", 44) + pad(formatRate(oursMedian), 14) + spread(ours))
            print(pad("p2pmq replay, ValidationRouter.Handle (Go)", 44) + pad(formatRate(percentile(single, 50)), 14) + spread(single))
            if let theirsMedian {
                print(pad("JetStream ordered consumer (file store)", 44) + pad(formatRate(theirsMedian), 14) + spread(theirs))
                print(String(format: "ours / JetStream: %.2fx (goal: at least 1.0x)", oursMedian / theirsMedian))
            } else {
                print("JetStream: not measured (\(jetstreamProblem ?? "unknown"))")
            }
            print(pad("raw scan of the same log (ceiling)", 44) + formatRate(scan))
        }
        var out: [String: Any] = ["records": records, "size": size, "window": window, "runs": ours.count,
                                  "ours_per_s": oursMedian, "ours_runs": ours, "scan_per_s": scan,
                                  "ours_go_api_per_s": percentile(single, 50), "ours_go_api_runs": single]
        if let theirsMedian {
            out["jetstream_ordered_per_s"] = theirsMedian
            out["jetstream_runs"] = theirs
            out["ratio"] = oursMedian / theirsMedian
        } else {
            out["jetstream_ordered_per_s"] = NSNull()
            out["jetstream_unavailable"] = jetstreamProblem ?? "unknown"
        }
        print(String(decoding: try JSONSerialization.data(withJSONObject: out, options: [.sortedKeys]), as: UTF8.self))
    }

    /// The fastest of three passes over the log's record views.
    private func scanRate(_ store: ReportStore) throws -> Double {
        var best = 0.0
        for _ in 0..<3 {
            var n = 0
            let start = monotonicSeconds()
            try store.scanViews(topic: "bench", from: 0) { _, _ in n += 1; return true }
            best = max(best, Double(n) / (monotonicSeconds() - start))
        }
        return best
    }

    private func spread(_ xs: [Double]) -> String {
        guard let lo = xs.min(), let hi = xs.max() else { return "" }
        return formatRate(lo) + " - " + formatRate(hi)
    }
}

/// Runs bench/jetstream/baseline.sh and reads its JSON line.
enum JetStreamBaseline {
    struct Unavailable: Error, CustomStringConvertible { let description: String }

    static func run(script: String, mode: String, messages: Int, size: Int, extra: [String] = []) -> Result<[String: Any], Unavailable> {
        guard FileManager.default.isExecutableFile(atPath: script) else {
            return .failure(Unavailable(description: "\(script) not found (run from the package root or pass --jetstream-script)"))
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script, mode, "-messages", "\(messages)", "-size", "\(size)"] + extra
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do { try process.run() } catch { return .failure(Unavailable(description: "\(error)")) }
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let line = String(decoding: output, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
        guard process.terminationStatus == 0, let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
            let why = String(decoding: errors, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            return .failure(Unavailable(description: why.isEmpty ? "baseline.sh exited with \(process.terminationStatus)" : why))
        }
        return .success(object)
    }
}
