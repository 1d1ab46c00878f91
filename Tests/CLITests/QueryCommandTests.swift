import Foundation
import TestSupport
import XCTest

/// history, heads and audit on a data dir made from a generated log with a byzantine peer.
final class QueryCommandTests: XCTestCase {
    nonisolated(unsafe) static var dir: TemporaryDirectory!
    nonisolated(unsafe) static var byzantine = ""

    override class func setUp() {
        dir = TemporaryDirectory("cli-query")
        let log = dir.sub("log.jsonl")
        let gen = try! Executable.run(["debug", "generate-log", "--reports", "120", "--seed", "3", "--out", log])
        byzantine = gen.stderr.components(separatedBy: "byzantine peer: ").last!.trimmingCharacters(in: .whitespacesAndNewlines)
        let imported = try! Executable.run(["import", log, "--data-dir", dir.sub("data")])
        precondition(imported.status == 0, imported.stderr)
    }

    override class func tearDown() { dir.remove() }

    func run(_ args: [String]) throws -> Executable.Result {
        let r = try Executable.run(args + ["--data-dir", Self.dir.sub("data")])
        XCTAssertEqual(r.status, 0, "\(args): \(r.stderr)")
        return r
    }

    func jsonLines(_ text: String) throws -> [[String: Any]] {
        try text.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
    }

    func testHistoryFiltersAsJSON() throws {
        let rows = try jsonLines(try run(["history", "--don", "don-a", "--seq", "10..19", "--verdict", "ACCEPT", "--json", "--limit", "0"]).stdout)
        XCTAssertFalse(rows.isEmpty)
        for row in rows {
            XCTAssertEqual(row["don"] as? String, "don-a")
            XCTAssertEqual(row["verdict"] as? String, "ACCEPT")
            XCTAssertTrue((10...19).contains(row["seq"] as! Int))
            XCTAssertNotNil(row["data_b64"])
        }
        let times = rows.map { $0["received_at"] as! String }
        XCTAssertEqual(times, times.sorted(), "newest last")
        let limited = try jsonLines(try run(["history", "--limit", "5", "--json"]).stdout)
        XCTAssertEqual(limited.count, 5)
        let fromBad = try jsonLines(try run(["history", "--from", Self.byzantine, "--verdict", "REJECT", "--json", "--limit", "0"]).stdout)
        XCTAssertGreaterThan(fromBad.count, 3)
        XCTAssertTrue(fromBad.allSatisfy { $0["from"] as? String == Self.byzantine })
    }

    func testHistoryTableAndCSV() throws {
        let table = try run(["history", "--limit", "3"]).stdout.split(separator: "\n")
        XCTAssertEqual(table.count, 4)
        XCTAssertTrue(table[0].hasPrefix("RECEIVED_AT"))
        let csv = try run(["history", "--limit", "3", "--csv"]).stdout.split(separator: "\n")
        XCTAssertEqual(csv[0], "received_at,topic,offset,don,seq,verdict,reason,from,msg_id,size")
        XCTAssertEqual(csv.count, 4)
    }

    func testHistoryTimeWindow() throws {
        let all = try jsonLines(try run(["history", "--json", "--limit", "0"]).stdout)
        let middle = all[all.count / 2]["received_at"] as! String
        let after = try jsonLines(try run(["history", "--json", "--limit", "0", "--since", middle]).stdout)
        XCTAssertEqual(after.count, all.count - all.count / 2)
        let everything = try jsonLines(try run(["history", "--json", "--limit", "0", "--since", "1000d"]).stdout)
        XCTAssertEqual(everything.count, all.count, "an age reaches back from now")
        let last = all.last!["received_at"] as! String
        let untilLast = try jsonLines(try run(["history", "--json", "--limit", "0", "--until", last]).stdout)
        XCTAssertEqual(untilLast.count, all.count)
        let none = try jsonLines(try run(["history", "--json", "--since", "2099-01-01T00:00:00Z"]).stdout)
        XCTAssertEqual(none.count, 0)
    }

    func testHistoryUnknownTopicIsAnError() throws {
        let r = try Executable.run(["history", "--topic", "nope", "--data-dir", Self.dir.sub("data")])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("unknown topic 'nope'"), r.stderr)
    }

    func testHeadsShowHighestAcceptedSeqAndLength() throws {
        let rows = try jsonLines(try run(["heads", "--json"]).stdout)
        XCTAssertEqual(rows.map { $0["don"] as! String }.sorted(), ["don-a", "don-b"])
        for row in rows {
            let accepted = try jsonLines(try run(["history", "--don", row["don"] as! String, "--verdict", "ACCEPT", "--json", "--limit", "0"]).stdout)
            XCTAssertEqual(row["head_seq"] as? Int, accepted.map { $0["seq"] as! Int }.max())
            XCTAssertGreaterThan(row["log_length"] as! Int, accepted.count - 1)
        }
    }

    func testAuditRanksTheByzantinePeerFirst() throws {
        let rows = try jsonLines(try run(["audit", "peers", "--json"]).stdout)
        XCTAssertEqual(rows.first?["peer"] as? String, Self.byzantine)
        let reasons = rows.first?["by_reason"] as! [String: Int]
        XCTAssertEqual(reasons.values.reduce(0, +), rows.first?["penalties"] as? Int)
        XCTAssertNotNil(reasons["bad_signature"])
        let timeline = try run(["audit", "peer", Self.byzantine]).stdout
        XCTAssertTrue(timeline.contains("penalties: \(rows.first!["penalties"]!)"), timeline)
        XCTAssertTrue(timeline.contains("bad_signature"))
        let honest = try run(["audit", "peer", "12D3KooWnobody"])
        XCTAssertTrue(honest.stderr.contains("nothing recorded"))
    }

    func testHistoryRebuildsADeletedIndex() throws {
        let copy = Self.dir.sub("copy-\(UUID().uuidString.prefix(6))")
        try FileManager.default.copyItem(atPath: Self.dir.sub("data"), toPath: copy)
        try FileManager.default.removeItem(atPath: copy + "/index.sqlite")
        let r = try Executable.run(["history", "--json", "--limit", "0", "--data-dir", copy])
        XCTAssertEqual(r.status, 0, r.stderr)
        let original = try run(["history", "--json", "--limit", "0"]).stdout
        XCTAssertEqual(r.stdout, original)
        let rebuilt = try Executable.run(["index", "rebuild", "--json", "--data-dir", copy])
        XCTAssertTrue(rebuilt.stdout.contains(#""records":"#), rebuilt.stdout)
    }
}
