import DON
import Foundation
import Store
import TestSupport
import XCTest

/// `p2pmq devnet` end to end (agents, validators, producers, an attacker and a late joiner as
/// processes on 127.0.0.1), checked against the nodes' data dirs rather than its own summary,
/// then `p2pmq replay` of one node's topic into a fresh `p2pmq validator`.
final class DevnetTests: XCTestCase {
    func testDevnetDeliversEverythingPenalizesTheAttackerOnlyAndReplays() throws {
        let dir = TemporaryDirectory("devnet")
        defer { dir.remove() }
        let net = dir.sub("net")
        // Mixed: don-a signs OCR2 transmit calldata, don-b Data Streams reports, don-c Keystone
        // forwarder calldata; one registry, history and audit over all three.
        let run = try Executable.run(["devnet", "--scheme", "mixed", "--dons", "3", "--nodes", "4", "--duration", "20s", "--rate", "5", "--dir", net, "--json"],
                                     timeout: 300)
        let line = run.stdout.split(separator: "\n").last.map(String.init) ?? ""
        guard let summary = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            return XCTFail("no JSON summary; status \(run.status)\nstdout: \(run.stdout)\nstderr: \(run.stderr.suffix(3000))")
        }
        XCTAssertEqual(run.status, 0, "devnet reported a broken promise:\n\(run.stderr.suffix(3000))")
        XCTAssertEqual(summary["ok"] as? Bool, true)

        // From the data dirs: every honest node holds the same heads, every produced seq, and
        // penalties against the attacker only, for each kind of attack.
        let produced = try XCTUnwrap(summary["produced"] as? [String: Int])
        let first = UInt64(try XCTUnwrap(summary["first_seq"] as? Int))
        let byz = try XCTUnwrap(((summary["byzantine"] as? [String: Any])?["peer_ids"] as? [String])?.first)
        let names = try FileManager.default.contentsOfDirectory(atPath: net + "/nodes").filter { $0 != "byz-0" }.sorted()
        XCTAssertEqual(names.count, 13, "12 DON nodes and the late joiner: \(names)")
        var options = StoreOptions()
        options.readOnly = true
        for name in names {
            let store = try ReportStore.open(dataDir: "\(net)/nodes/\(name)/data", options: options)
            defer { store.close() }
            for (don, count) in produced {
                let topic = don + "/reports"
                XCTAssertEqual(try store.head(topic: topic, don: don)?.seq, first + UInt64(count) - 1, "\(name) \(don) head")
                var seqs = Set<UInt64>()
                try store.scanSeqs(topic: topic, don: don) { seqs.insert($0); return true }
                XCTAssertEqual(seqs, Set(first..<(first + UInt64(count))), "\(name) holds every \(don) report, and no stale one as history")
            }
            var reasons = Set<String>()
            try store.penalties { p in
                XCTAssertEqual(p.peer, byz, "\(name) penalized an honest peer: \(p.reason)")
                reasons.insert(String(p.reason.prefix { $0 != ":" }))
                return true
            }
            if name != "late-0" {
                // EVM DONs all: a report under a config no DON has cannot name a DON (unknown_don).
                XCTAssertEqual(reasons, ["insufficient_quorum", "bad_signature", "stale_seq", "seq_gap_too_large", "unknown_don"], name)
            }
        }

        // Every penalty is confirmed by its stored evidence.
        let audit = try Executable.run(["audit", "replay", "--data-dir", "\(net)/nodes/don-b-2/data", "--dons", "\(net)/genesis.json", "--json"])
        XCTAssertEqual(audit.status, 0, audit.stderr)
        let outcomes = audit.stdout.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["outcome"] as? String
        }
        XCTAssertGreaterThan(outcomes.count, 8)
        XCTAssertEqual(Set(outcomes), ["confirmed"], audit.stdout)

        // Replaying a node's topic into a new validator gives the verdicts it recorded (the Data
        // Streams topic too: freshness is judged at each record's recorded arrival).
        let p2pmq = Executable.path()
        for don in ["don-a", "don-b"] {
            let replay = try Executable.run([
                "replay", "--data-dir", "\(net)/nodes/don-a-1/data", "--topic", "\(don)/reports", "--json",
                "--validator-cmd", "\(p2pmq) validator --agent $P2PMQ_GRPC --dons \(net)/genesis.json --progress 0",
            ], timeout: 120)
            XCTAssertEqual(replay.status, 0, replay.stderr)
            let result = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(replay.stdout.utf8)) as? [String: Any], replay.stdout)
            XCTAssertEqual((result["differences"] as? [Any])?.count, 0, replay.stdout)
            XCTAssertGreaterThan(result["replayed"] as? Int ?? 0, produced[don]!)
        }
        // The history shows a Data Streams report's fields and a Keystone report's metadata.
        let history = try Executable.run(["history", "--data-dir", "\(net)/nodes/don-c-0/data", "--topic", "don-b/reports", "--verdict", "ACCEPT", "--limit", "1", "--json"])
        XCTAssertTrue(history.stdout.contains(#""benchmarkPrice":"#), history.stdout)
        let keystone = try Executable.run(["history", "--data-dir", "\(net)/nodes/don-a-0/data", "--topic", "don-c/reports", "--verdict", "ACCEPT", "--limit", "1", "--decode"])
        XCTAssertTrue(keystone.stdout.contains("workflowExecutionId"), keystone.stdout)
    }

    /// A scenario file drives the timeline; a bad one is refused before anything starts.
    func testScenarioFilesArePrintedAndCheckedBeforeAnythingRuns() throws {
        let dir = TemporaryDirectory("scenario")
        defer { dir.remove() }
        let standard = try Executable.run(["devnet", "--duration", "20s", "--rate", "5", "--dons", "2", "--print-scenario"], timeout: 30)
        XCTAssertEqual(standard.status, 0, standard.stderr)
        XCTAssertTrue(standard.stdout.contains("kind: byzantine-start"), standard.stdout)
        XCTAssertTrue(standard.stdout.contains("at: 10s"), "the late joiner at half time:\n\(standard.stdout)")
        // Printed, then read back: the same scenario.
        try standard.stdout.write(toFile: dir.sub("standard.yaml"), atomically: true, encoding: .utf8)
        let again = try Executable.run(["devnet", "--scenario", dir.sub("standard.yaml"), "--print-scenario"], timeout: 30)
        XCTAssertEqual(again.stdout, standard.stdout)

        try """
        duration: 10
        rate: 5
        dons: 2
        nodes: 4
        byzantine: 0
        lateJoiner: false
        hostile: 0
        events:
          - {at: 2, kind: byzantine-start}
        """.write(toFile: dir.sub("bad.yaml"), atomically: true, encoding: .utf8)
        let bad = try Executable.run(["devnet", "--scenario", dir.sub("bad.yaml"), "--dir", dir.sub("net")], timeout: 30)
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("events[0] (byzantine-start) needs byzantine: 1"), bad.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.sub("net")), "nothing was started")
        try "duration: [".write(toFile: dir.sub("broken.yaml"), atomically: true, encoding: .utf8)
        let broken = try Executable.run(["devnet", "--scenario", dir.sub("broken.yaml")], timeout: 30)
        XCTAssertTrue(broken.stderr.contains("not a scenario"), broken.stderr)
    }

    func testValidatorRotateAndPublishExplainBadInput() throws {
        let dir = TemporaryDirectory("validator-cli")
        defer { dir.remove() }
        let noDons = try Executable.run(["validator"])
        XCTAssertNotEqual(noDons.status, 0)
        XCTAssertTrue(noDons.stderr.contains("--dons"), noDons.stderr)
        try Data("{\"dons\": [{\"id\": \"x\"}]}".utf8).write(to: URL(fileURLWithPath: dir.sub("bad.json")))
        let bad = try Executable.run(["validator", "--dons", dir.sub("bad.json")])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("genesis file"), bad.stderr)

        // don init -> genesis -> rotate: the update verifies against the genesis config.
        XCTAssertEqual(try Executable.run(["don", "init", "--id", "don-q", "--nodes", "4", "--out", dir.sub("q1")]).status, 0)
        let genesis = try Executable.run(["don", "genesis", dir.sub("q1"), "--out", dir.sub("genesis.json")])
        XCTAssertEqual(genesis.status, 0, genesis.stderr)
        let rotate = try Executable.run(["don", "rotate", "--don", dir.sub("q1"), "--out", dir.sub("q2"), "--effective-seq", "500", "--nodes", "7"])
        XCTAssertEqual(rotate.status, 0, rotate.stderr)
        XCTAssertTrue(rotate.stdout.contains("don-q v2: 7 signers, quorum 5"), rotate.stdout)
        let update = try P2pmq_Don_ConfigUpdate(serializedBytes: Array(try Data(contentsOf: URL(fileURLWithPath: dir.sub("q2/update.bin")))))
        var registry = try Genesis.load(paths: [dir.sub("genesis.json")]).registry
        guard case .extends(let entry) = registry.apply(update) else { return XCTFail("the rotated config does not extend the genesis") }
        XCTAssertEqual(entry.effectiveSeq, 500)
        XCTAssertEqual(entry.config, try DONConfig.load(path: dir.sub("q2/don.json")))
        // Only a quorum of the current signers may sign it.
        let tooFew = try Executable.run(["don", "rotate", "--don", dir.sub("q1"), "--out", dir.sub("q3"), "--effective-seq", "500", "--signers", "0,1"])
        XCTAssertEqual(tooFew.status, 0)
        let weak = try P2pmq_Don_ConfigUpdate(serializedBytes: Array(try Data(contentsOf: URL(fileURLWithPath: dir.sub("q3/update.bin")))))
        var fresh = try Genesis.load(paths: [dir.sub("genesis.json")]).registry
        guard case .invalid(let why) = fresh.apply(weak) else { return XCTFail("an update signed by 2 of 4 was applied") }
        XCTAssertTrue(why.hasPrefix("config_update_insufficient_quorum"), why)

        // Publishing to an agent that is not there says so.
        let dead = try Executable.run(["publish", "--agent", "127.0.0.1:1", "--topic", "p2pmq/registry", "--file", dir.sub("q2/update.bin")], timeout: 60)
        XCTAssertNotEqual(dead.status, 0)
        XCTAssertTrue(dead.stderr.contains("127.0.0.1:1"), dead.stderr)
    }
}
