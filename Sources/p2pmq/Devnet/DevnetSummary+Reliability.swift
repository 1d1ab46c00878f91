import Foundation

/// The summary's parts for the reliability scenarios: hostile peers and churn.
extension DevnetSummary {
    /// The graylist threshold of the devnet's agents (the agent default): below it a peer's RPCs
    /// are not even read.
    static let graylistThreshold = -80.0

    /// Each hostile peer: what it sent (its own summary line), and on every honest DON node the
    /// penalties recorded against it by reason and its score, which must end below graylist.
    mutating func hostileSection(_ d: Devnet, honest: [Devnet.Running], inspections: [String: NodeInspection]) {
        guard !d.hostiles.isEmpty else { return }
        var entries: [[String: Any]] = []
        var everyGraylisted = true
        for h in d.hostiles {
            let report = Self.lastJSONLine(h.process.stdoutPath)
            let sent = report?["sent"] as? [String: Int] ?? [:]
            let lies = report?["lying_sync"] as? [String: Int] ?? [:]
            let dhtLies = report?["dht_lies"] as? [String: Int] ?? [:]
            text.append("hostile \(h.node.name) (\(DevnetLayout.describe(h.node.role))) sent: "
                        + (sent.isEmpty ? "nothing" : sent.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))
                        + "; lying sync served \(lies["forged_records"] ?? 0) forged records to \(lies["range_requests"] ?? 0) range requests"
                        + "; lying DHT named \(dhtLies["peers_named"] ?? 0) made-up peers in \(dhtLies["requests"] ?? 0) answers")
            var perNode: [String: Any] = [:]
            var total: [String: Int] = [:]
            for r in honest where r.node.don != nil {
                let reasons = inspections[r.node.name]?.penalties[h.peerID] ?? [:]
                reasons.forEach { total[$0.key, default: 0] += $0.value }
                let score = d.attackerScores[r.node.name]?[h.peerID]
                let lowest = d.attackerLowestScores[r.node.name]?[h.peerID]
                let below = score.map { $0 < Self.graylistThreshold } ?? false
                everyGraylisted = everyGraylisted && below && !reasons.isEmpty
                perNode[r.node.name] = ["reasons": reasons, "score": score as Any, "lowest_score": lowest as Any, "below_graylist": below]
                text.append(String(format: "  %-8@ score %@%@  %@", r.node.name, score.map { String(format: "%.1f", $0) } ?? "unknown",
                                   below ? "" : " NOT BELOW GRAYLIST", reasons.isEmpty ? "NO PENALTY RECORDED"
                                       : reasons.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")))
            }
            entries.append(["name": h.node.name, "peer_id": h.peerID, "sent": sent, "lying_sync": lies, "dht_lies": dhtLies, "penalties": total, "per_node": perNode])
        }
        json["hostile"] = ["peers": entries, "graylisted_on_every_node": everyGraylisted, "graylist_threshold": Self.graylistThreshold]
        text.append("every hostile peer below graylist (\(Self.graylistThreshold)) with penalties on every honest DON node: \(everyGraylisted ? "yes" : "NO")")
        ok = ok && everyGraylisted
    }

    /// Acknowledged reports: every report a node acknowledged to its producer must be in that
    /// node's data dir at the end (with churn, across SIGKILLs: agents then store with
    /// durability `sync`). Also churn's kills and restarts, and whether heads agree.
    mutating func durabilitySection(_ d: Devnet, honest: [Devnet.Running], inspections: [String: NodeInspection]) {
        var lost: [String] = []
        var acknowledged = 0
        for p in d.producers {
            let publishers = honest.filter { $0.node.don == p.don.config.id }
            for (seq, index) in p.acknowledgements {
                acknowledged += 1
                let node = publishers[index].node.name
                if inspections[node]?.heldSeqs[p.don.config.id]?.contains(seq) != true { lost.append("\(p.don.config.id) seq \(seq) acknowledged by \(node)") }
            }
        }
        let heads = Set(honest.compactMap { inspections[$0.node.name]?.heads })
        json["acknowledged"] = acknowledged
        json["records_lost"] = lost.count
        json["heads_agree"] = heads.count == 1
        text.append("acknowledged reports: \(acknowledged), missing from the node that acknowledged them: \(lost.count); heads \(heads.count == 1 ? "agree on every node" : "DIFFER")")
        for l in lost.prefix(10) { text.append("  LOST: \(l)") }
        ok = ok && lost.isEmpty && heads.count == 1
        guard d.options.churn != nil else { return }
        let restart = d.churn.restartSeconds
        let retries = d.producers.reduce(0) { $0 + $1.retries }
        json["churn"] = ["kills": d.churn.kills.count, "killed": d.churn.kills.map(\.node), "publish_retries": retries,
                         "restart_s": ["median": restart.isEmpty ? 0 : restart.sorted()[restart.count / 2], "max": restart.max() ?? 0]]
        text.append(String(format: "churn: %d agents killed (SIGKILL) and restarted (ready in median %.2f s, max %.2f s); %d publishes retried through another node of the DON",
                           d.churn.kills.count, restart.isEmpty ? 0 : restart.sorted()[restart.count / 2], restart.max() ?? 0, retries))
    }

    /// The last JSON object line a process printed.
    static func lastJSONLine(_ path: String) -> [String: Any]? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n").reversed() {
            if let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] { return obj }
        }
        return nil
    }
}
