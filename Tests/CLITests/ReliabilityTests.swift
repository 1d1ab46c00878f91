import Foundation
import Store
import TestSupport
import XCTest

/// The reliability scenarios of scripts/reliability.sh in small, on 127.0.0.1: a hostile peer
/// (p2pmq-hostile) and churn (SIGKILL and restart), checked against the nodes' data dirs.
final class ReliabilityTests: XCTestCase {
    /// Runs `p2pmq devnet` with `args` and returns its JSON summary.
    private func devnet(_ args: [String], dir: String) throws -> [String: Any] {
        let run = try Executable.run(["devnet", "--scheme", "ed25519", "--dons", "1", "--nodes", "3", "--byzantine", "0", "--no-late-joiner", "--rate", "5", "--dir", dir, "--json"] + args, timeout: 240)
        let line = run.stdout.split(separator: "\n").last.map(String.init) ?? ""
        guard let summary = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            XCTFail("no JSON summary; status \(run.status)\nstdout: \(run.stdout)\nstderr: \(run.stderr.suffix(3000))")
            throw CocoaError(.fileReadCorruptFile)
        }
        XCTAssertEqual(run.status, 0, "devnet reported a broken promise:\n\(run.stderr.suffix(4000))")
        return summary
    }

    /// Each honest node's stored seqs and penalties (peer id -> reasons).
    private func inspect(_ dir: String, node: String, don: String) throws -> (seqs: Set<UInt64>, head: UInt64?, penalties: [String: Set<String>], penaltyCount: Int) {
        var options = StoreOptions()
        options.readOnly = true
        let store = try ReportStore.open(dataDir: "\(dir)/nodes/\(node)/data", options: options)
        defer { store.close() }
        var seqs = Set<UInt64>()
        try store.scanSeqs(topic: don + "/reports", don: don) { seqs.insert($0); return true }
        var penalties: [String: Set<String>] = [:]
        var count = 0
        try store.penalties { p in
            penalties[p.peer, default: []].insert(String(p.reason.prefix { $0 != ":" }))
            count += 1
            return true
        }
        return (seqs, try store.head(topic: don + "/reports", don: don)?.seq, penalties, count)
    }

    func testHostilePeerIsPenalizedForWhatItDidAndGraylistedWhileEveryReportArrives() throws {
        let dir = TemporaryDirectory("hostile")
        defer { dir.remove() }
        let net = dir.sub("net")
        let summary = try devnet(["--hostile", "1", "--duration", "12s"], dir: net)
        let hostile = try XCTUnwrap(summary["hostile"] as? [String: Any])
        XCTAssertEqual(hostile["graylisted_on_every_node"] as? Bool, true)
        let peer = try XCTUnwrap(((hostile["peers"] as? [[String: Any]])?.first)?["peer_id"] as? String)
        let produced = UInt64(try XCTUnwrap((summary["produced"] as? [String: Int])?["don-a"]))
        let first = UInt64(try XCTUnwrap(summary["first_seq"] as? Int))
        for i in 0..<3 {
            let node = try inspect(net, node: "don-a-\(i)", don: "don-a")
            XCTAssertEqual(node.seqs, Set(first..<(first + produced)), "don-a-\(i) holds every report and nothing the hostile peer made up")
            XCTAssertEqual(Set(node.penalties.keys), [peer], "don-a-\(i) penalized only the hostile peer")
            let reasons = node.penalties[peer] ?? []
            // What it does before honest nodes stop reading it (graylist), and the frames that are
            // refused however low its score: each penalty names the reason.
            for reason in ["bad_signature", "insufficient_quorum", "seq_gap_too_large", "malformed_rpc", "oversize_rpc"] {
                XCTAssertTrue(reasons.contains(reason), "don-a-\(i) has no \(reason) penalty: \(reasons.sorted())")
            }
        }
    }

    /// A hostile DHT peer (issue 18): it floods the agents' provider stores and answers their
    /// lookups with hundreds of made-up peers at dead addresses. The flood is penalized (once a
    /// second, not once per record: the penalty history must not become the flood), the lies
    /// cost bounded work, and every report still arrives.
    func testHostileDHTPeerIsPenalizedForItsFloodAndItsLiesCostNothing() throws {
        let dir = TemporaryDirectory("hostile-dht")
        defer { dir.remove() }
        let net = dir.sub("net")
        let summary = try devnet(["--hostile", "1", "--hostile-attacks", "dht_provider_flood,dht_lies", "--duration", "12s"], dir: net)
        let hostile = try XCTUnwrap(summary["hostile"] as? [String: Any])
        let entry = try XCTUnwrap((hostile["peers"] as? [[String: Any]])?.first)
        let peer = try XCTUnwrap(entry["peer_id"] as? String)
        XCTAssertGreaterThan((entry["sent"] as? [String: Int])?["dht_provider_flood"] ?? 0, 0)
        XCTAssertGreaterThan((entry["dht_lies"] as? [String: Int])?["requests"] ?? 0, 0, "the agents' lookups asked the liar")
        XCTAssertEqual(hostile["graylisted_on_every_node"] as? Bool, true)
        let produced = UInt64(try XCTUnwrap((summary["produced"] as? [String: Int])?["don-a"]))
        let first = UInt64(try XCTUnwrap(summary["first_seq"] as? Int))
        for i in 0..<3 {
            let node = try inspect(net, node: "don-a-\(i)", don: "don-a")
            XCTAssertEqual(node.seqs, Set(first..<(first + produced)), "don-a-\(i) holds every report")
            XCTAssertEqual(node.penalties.keys.sorted(), [peer], "don-a-\(i) penalized only the hostile peer")
            XCTAssertEqual(node.penalties[peer], ["dht_provider_flood"])
            XCTAssertLessThanOrEqual(node.penaltyCount, 20, "at most one penalty a second for a 12 s flood")
        }
    }

    func testChurnLosesNoAcknowledgedReport() throws {
        let dir = TemporaryDirectory("churn")
        defer { dir.remove() }
        let net = dir.sub("net")
        let summary = try devnet(["--churn", "3s", "--duration", "15s"], dir: net)
        let churn = try XCTUnwrap(summary["churn"] as? [String: Any])
        XCTAssertGreaterThanOrEqual(churn["kills"] as? Int ?? 0, 3)
        XCTAssertEqual(summary["records_lost"] as? Int, 0)
        XCTAssertGreaterThan(summary["acknowledged"] as? Int ?? 0, 50)
        let produced = UInt64(try XCTUnwrap((summary["produced"] as? [String: Int])?["don-a"]))
        let first = UInt64(try XCTUnwrap(summary["first_seq"] as? Int))
        // Dense logs and one head, on every node, however often it was killed.
        for i in 0..<3 {
            let node = try inspect(net, node: "don-a-\(i)", don: "don-a")
            XCTAssertEqual(node.seqs, Set(first..<(first + produced)), "don-a-\(i)")
            XCTAssertEqual(node.head, first + produced - 1, "don-a-\(i)")
            XCTAssertTrue(node.penalties.isEmpty, "don-a-\(i) penalized an honest peer: \(node.penalties)")
        }
    }
}
