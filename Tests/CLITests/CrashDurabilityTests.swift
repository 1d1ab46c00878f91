import Foundation
import Store
import TestSupport
import XCTest

/// A writer in `sync` mode is killed with SIGKILL at a random moment; every append it
/// acknowledged must be in the log afterwards, offsets dense, heads and index consistent.
final class CrashDurabilityTests: XCTestCase {
    func testAcknowledgedRecordsSurviveSIGKILL() throws {
        for round in 0..<2 {
            let dir = TemporaryDirectory("crash")
            defer { dir.remove() }
            let (process, out) = try startWriteLoad(dir.path, durability: "sync", producers: 4)
            let acked = DataCollector(out.fileHandleForReading)
            Thread.sleep(forTimeInterval: Double.random(in: 0.3...1.5))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            XCTAssertEqual(process.terminationReason, .uncaughtSignal)

            let lines = acked.text().split(separator: "\n").filter { $0.hasPrefix("acked ") && $0.split(separator: " ").count == 6 }
            XCTAssertGreaterThan(lines.count, 0, "round \(round): the writer acknowledged nothing before the kill")
            let store = try ReportStore.open(dataDir: dir.path)
            defer { store.close() }
            let info = try XCTUnwrap(store.topic("load"))
            var maxAccepted: [String: UInt64] = [:]
            var offsets: [UInt64] = []
            try store.scan(topic: "load") { r in
                offsets.append(r.offset)
                if r.verdict == .accept { maxAccepted[r.don] = max(maxAccepted[r.don] ?? 0, r.seq) }
                return true
            }
            XCTAssertEqual(offsets, Array(0..<info.nextOffset), "offsets are dense")
            for line in lines {
                let f = line.split(separator: " ")
                let record = try XCTUnwrap(try store.record(topic: String(f[1]), offset: UInt64(f[2])!), "acknowledged \(line) is missing")
                XCTAssertEqual(record.don, String(f[3]))
                XCTAssertEqual(record.seq, UInt64(f[4]))
                XCTAssertEqual(record.verdict.name, String(f[5]))
            }
            let heads = try store.heads(topic: "load")
            XCTAssertEqual(Dictionary(uniqueKeysWithValues: heads.map { ($0.don, $0.seq) }), maxAccepted)
            // Every REJECT carries a penalty.
            var rejects = 0
            try store.scan(topic: "load") { if $0.verdict == .reject { rejects += 1 }; return true }
            XCTAssertEqual(try store.penaltyCount(), rejects)

            let index = try ReportIndex.rebuild(for: store)
            XCTAssertEqual(try index.recordCount(), Int(info.recordCount))
            XCTAssertEqual(try index.history(HistoryQuery()).map(\.offset).sorted(), offsets)
            XCTAssertEqual(try index.peerPenaltySummaries().reduce(0) { $0 + $1.count }, rejects)
        }
    }

    func testASecondProcessIsToldTheDirIsInUse() throws {
        let dir = TemporaryDirectory("locked")
        defer { dir.remove() }
        let (process, out) = try startWriteLoad(dir.path, durability: "none", producers: 1)
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        // Wait for the first acknowledged append: the lock is held by then.
        let handle = out.fileHandleForReading
        var seen = Data()
        let deadline = Date().addingTimeInterval(60)
        while !String(decoding: seen, as: UTF8.self).contains("acked") {
            let chunk = handle.availableData
            guard !chunk.isEmpty, Date() < deadline else { return XCTFail("the writer stopped before its first append") }
            seen.append(chunk)
        }
        let r = try Executable.run(["import", "-", "--data-dir", dir.path], stdin: "")
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("in use by another p2pmq process (pid \(process.processIdentifier))"), r.stderr)
        // Readers work alongside the writer.
        let heads = try Executable.run(["heads", "--data-dir", dir.path, "--json"])
        XCTAssertEqual(heads.status, 0, heads.stderr)
        XCTAssertTrue(heads.stdout.contains("load-0"), heads.stdout)
        let history = try Executable.run(["history", "--data-dir", dir.path, "--json", "--limit", "3"])
        XCTAssertEqual(history.status, 0, history.stderr)
        XCTAssertEqual(history.stdout.split(separator: "\n").count, 3, history.stdout)
    }

    /// Starts `p2pmq debug write-load` appending until it is killed.
    private func startWriteLoad(_ dataDir: String, durability: String, producers: Int) throws -> (Process, Pipe) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Executable.path())
        process.arguments = ["debug", "write-load", "--data-dir", dataDir, "--durability", durability, "--count", "0", "--producers", "\(producers)"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        return (process, out)
    }
}
