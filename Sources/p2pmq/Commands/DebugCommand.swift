import Core
import Gossip
import ArgumentParser
import DON
import Foundation
import Wire
import Store

struct DebugCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "debug",
        abstract: "Tools for demos and tests: generate a log, drive the writer.",
        subcommands: [GenerateLog.self, WriteLoad.self])

    struct GenerateLog: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "generate-log",
            abstract: "Write a realistic report log (JSON lines) with honest and byzantine peers.",
            discussion: """
                Two DONs (don-a: 4 signers, don-b: 7) publish signed reports on don-a/prices and
                don-b/prices. Honest peers forward them, some late or twice; a byzantine peer tampers,
                strips signatures and replays old reports. Verdicts come from the real verifier.
                The DON configs are written to --dons-out if given.
                """)

        @Option(help: "Reports per DON.") var reports = 500
        @Option(help: "Honest forwarding peers.") var peers = 5
        @Option(help: "Seed: the same seed gives the same keys, peers and events (times follow the clock).") var seed: UInt64 = 1
        @Option(help: "Write here instead of standard output.") var out: String?
        @Option(name: .customLong("dons-out"), help: "Folder for the generated DON configs.") var donsOut: String?

        func run() throws {
            guard reports > 0, peers > 0 else { throw ValidationError("--reports and --peers must be positive") }
            let start = WallClock.nanoseconds() - UInt64(reports) * 2 * 250_000_000
            let log = try DemoLog(reportsPerDON: reports, honestPeers: peers, byzantinePeers: 1, seed: seed).generate(startingAt: start)
            let sink = try OutputSink(path: out)
            for r in log.records { sink.write(RecordJSON.encode(r) + "\n") }
            sink.close()
            if let donsOut {
                try FileManager.default.createDirectory(atPath: donsOut, withIntermediateDirectories: true)
                for c in log.dons { _ = FileManager.default.createFile(atPath: "\(donsOut)/\(c.id).json", contents: c.json()) }
            }
            note("generated \(log.records.count) records; byzantine peer: \(log.byzantine.joined(separator: ", "))")
        }
    }

    struct WriteLoad: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "write-load",
            abstract: "Append records from several threads, printing each acknowledged offset.",
            discussion: """
                Prints `acked TOPIC OFFSET DON SEQ VERDICT` after each append returns. The crash
                test kills this process at a random moment and checks every acknowledged record.
                Producer p appends reports of DON load-p with seq 1, 2, ...; every 10th is a REJECT
                with a penalty.
                """)

        @OptionGroup var store: DataDirOptions
        @Option(help: "batched, sync or none.") var durability: Durability = .sync
        @Option(help: "Records per producer (0: until killed).") var count = 1000
        @Option(help: "Concurrent producer threads.") var producers = 4
        @Option(help: "Topic to write.") var topic = "load"
        @Option(help: "Initial LMDB map size in bytes.") var mapSize = 1 << 20

        func run() throws {
            var options = StoreOptions()
            options.durability = durability
            options.initialMapSize = mapSize
            let store = try ReportStore.open(dataDir: self.store.dataDir, options: options)
            let output = NSLock()
            let failures = ManagedCounter()
            DispatchQueue.concurrentPerform(iterations: producers) { p in
                var seq: UInt64 = 0
                while count == 0 || seq < UInt64(count) {
                    seq += 1
                    let reject = seq % 10 == 0
                    let data = Array("producer \(p) seq \(seq) \(String(repeating: "x", count: 200))".utf8)
                    let record = LogRecord(
                        topic: topic, messageID: MessageIDFunction.contentHash(of: data), receivedAt: WallClock.nanoseconds(),
                        from: "peer-\(p)", don: "load-\(p)", seq: seq, verdict: reject ? .reject : .accept,
                        reason: reject ? "bad_signature" : "new_head", data: data)
                    let penalty = reject ? PenaltyRecord(peer: record.from, at: record.receivedAt, topic: topic, messageID: record.messageID, reason: "bad_signature", verdict: .reject, scoreDelta: -1) : nil
                    do {
                        let outcome = try store.appendAndWait([AppendItem(record: record, reportDigest: Array(data.prefix(32)), penalty: penalty)])
                        guard case .appended(let offset) = outcome[0] else { continue }
                        output.lock()
                        FileHandle.standardOutput.write(Data("acked \(topic) \(offset) \(record.don) \(seq) \(record.verdict.name)\n".utf8))
                        output.unlock()
                    } catch {
                        failures.increment()
                        note("append failed: \(error)")
                        return
                    }
                }
            }
            store.close()
            if failures.value > 0 { throw ExitCode.failure }
        }
    }
}

extension Durability: ExpressibleByArgument {}

/// A counter shared by producer threads.
final class ManagedCounter: @unchecked Sendable {
    // @unchecked: `count` is only read or written with `lock` held.
    private var count = 0
    private let lock = NSLock()
    func increment() { lock.lock(); count += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
}
