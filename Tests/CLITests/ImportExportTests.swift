import Foundation
import TestSupport
import XCTest

final class ImportExportTests: XCTestCase {
    var dir: TemporaryDirectory!

    override func setUp() { dir = TemporaryDirectory("cli-import") }
    override func tearDown() { dir.remove() }

    func p2pmq(_ args: [String], stdin: String? = nil) throws -> Executable.Result {
        try Executable.run(args, stdin: stdin)
    }

    func generatedLog(reports: Int = 60) throws -> String {
        let path = dir.sub("log.jsonl")
        let r = try p2pmq(["debug", "generate-log", "--reports", "\(reports)", "--seed", "7", "--out", path])
        XCTAssertEqual(r.status, 0, r.stderr)
        return path
    }

    func testExportThenImportIntoAnEmptyDirGivesAnIdenticalExport() throws {
        let log = try generatedLog()
        var r = try p2pmq(["import", log, "--data-dir", dir.sub("a")])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("imported"), r.stdout)
        let first = try p2pmq(["export", "--data-dir", dir.sub("a")])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertGreaterThan(first.stdout.split(separator: "\n").count, 100)
        r = try p2pmq(["import", "-", "--data-dir", dir.sub("b")], stdin: first.stdout)
        XCTAssertEqual(r.status, 0, r.stderr)
        let second = try p2pmq(["export", "--data-dir", dir.sub("b")])
        XCTAssertEqual(second.stdout, first.stdout)
        // Importing the same records again skips them all.
        r = try p2pmq(["import", log, "--data-dir", dir.sub("a"), "--json"])
        XCTAssertTrue(r.stdout.contains(#""imported":0"#), r.stdout)
    }

    func testBadLineAbortsWithItsNumberAndWritesNothing() throws {
        let good = try String(contentsOfFile: try generatedLog(reports: 5), encoding: .utf8).split(separator: "\n")
        let cases: [(String, String)] = [
            ("truncated", String(good[2].prefix(40))),
            ("unknown verdict", good[2].replacingOccurrences(of: #""verdict":"ACCEPT""#, with: #""verdict":"PERHAPS""#)),
        ]
        for (name, badLine) in cases {
            let file = dir.sub("\(name).jsonl")
            try ([good[0], good[1], Substring(badLine)] + good[3...]).joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
            let data = dir.sub("data-\(name.replacingOccurrences(of: " ", with: "-"))")
            let r = try p2pmq(["import", file, "--data-dir", data])
            XCTAssertNotEqual(r.status, 0, name)
            XCTAssertTrue(r.stderr.contains("line 3:"), "\(name): \(r.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: data + "/log/data.mdb"), "\(name): something was written")
        }
        // Into an existing dir: the bad import leaves it exactly as it was.
        let data = dir.sub("existing")
        XCTAssertEqual(try p2pmq(["import", try generatedLog(reports: 5), "--data-dir", data]).status, 0)
        let before = try p2pmq(["export", "--data-dir", data]).stdout
        XCTAssertNotEqual(try p2pmq(["import", dir.sub("truncated.jsonl"), "--data-dir", data, "--topic", "x"]).status, 0)
        XCTAssertEqual(try p2pmq(["export", "--data-dir", data]).stdout, before)
    }

    func testMissingDataDirIsExplained() throws {
        let r = try p2pmq(["history", "--data-dir", dir.sub("nothing-here")])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("no p2pmq data"), r.stderr)
    }
}
