import DON
import Foundation
import TestSupport
import XCTest

/// `p2pmq audit replay`: every penalty of a generated log with a byzantine peer is re-checked
/// against its stored evidence; a changed DON config makes the affected ones stand out.
final class AuditReplayTests: XCTestCase {
    func testPenaltiesAreConfirmedFromTheirEvidenceAndAChangedConfigIsNoticed() throws {
        let dir = TemporaryDirectory("audit-replay")
        defer { dir.remove() }
        let log = dir.sub("log.jsonl"), dons = dir.sub("dons"), data = dir.sub("data")
        XCTAssertEqual(try Executable.run(["debug", "generate-log", "--reports", "120", "--seed", "3", "--out", log, "--dons-out", dons]).status, 0)
        XCTAssertEqual(try Executable.run(["import", log, "--data-dir", data]).status, 0)
        func findings(_ donFiles: [String]) throws -> [[String: Any]] {
            let r = try Executable.run(["audit", "replay", "--data-dir", data, "--json"] + (donFiles.isEmpty ? [] : ["--dons"] + donFiles))
            XCTAssertEqual(r.status, 0, r.stderr)
            return try r.stdout.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        }
        let all = try findings([dons + "/don-a.json", dons + "/don-b.json"])
        XCTAssertFalse(all.isEmpty)
        XCTAssertTrue(all.allSatisfy { $0["outcome"] as? String == "confirmed" }, "\(all.filter { $0["outcome"] as? String != "confirmed" })")
        let reasons = Set(all.compactMap { $0["reason"] as? String })
        XCTAssertTrue(reasons.isSuperset(of: ["bad_signature", "insufficient_quorum", "malformed_report", "stale_seq"]), "\(reasons)")

        // Without DON configs only the malformed ones can be judged.
        let bare = try findings([])
        XCTAssertEqual(Set(bare.compactMap { $0["outcome"] as? String }), ["confirmed", "unchecked"])
        XCTAssertTrue(bare.filter { $0["outcome"] as? String == "confirmed" }.allSatisfy { $0["reason"] as? String == "malformed_report" })

        // A DON config with a looser quorum (f+1) no longer supports the insufficient-quorum
        // penalties of don-a: those, and only those, are not reproduced.
        var loose = try DONConfig.load(path: dons + "/don-a.json")
        loose.quorum = .fPlusOne
        try loose.json().write(to: URL(fileURLWithPath: dir.sub("loose-a.json")))
        let changed = try findings([dir.sub("loose-a.json"), dons + "/don-b.json"])
        let notReproduced = changed.filter { $0["outcome"] as? String == "not_reproduced" }
        XCTAssertFalse(notReproduced.isEmpty)
        XCTAssertTrue(notReproduced.allSatisfy { $0["topic"] as? String == "don-a/prices" && $0["reason"] as? String != "malformed_report" }, "\(notReproduced)")
    }
}
