import Foundation

/// What happened in a devnet run, from the nodes' data dirs and the live figures; printed as text
/// or JSON and written to `<dir>/summary.json`.
struct DevnetSummary {
    var json: [String: Any] = [:]
    var text: [String] = []
    /// Whether the run met the devnet's promises (used for the exit status).
    var ok = true

    static func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p / 100).rounded()))]
    }

    init(_ d: Devnet) {
        let produced = d.produced
        let byzIDs = Set(d.running.filter { $0.node.role == .byzantine }.map(\.node.peerID))
        let honestIDs = Set(d.running.filter(\.node.honest).map(\.node.peerID))
        let names = Dictionary(uniqueKeysWithValues: d.running.map { ($0.node.peerID, $0.node.name) })
        var inspections: [String: NodeInspection] = [:]
        for r in d.running {
            do { inspections[r.node.name] = try NodeInspection.read(dataDir: r.node.dataDir, produced: produced) } catch {
                text.append("cannot read \(r.node.name)'s data dir: \(error)")
                ok = false
            }
        }
        let honest = d.running.filter(\.node.honest)
        let p = Dictionary(uniqueKeysWithValues: produced.map { ($0.key, Int($0.value)) })
        json["seconds"] = d.productionSeconds
        json["produced_per_second"] = Double(produced.values.reduce(0, +)) / max(d.productionSeconds, 1e-9)
        json["rate_per_don"] = d.options.rate
        json["produced"] = p
        json["first_seq"] = Int(ReportProducer.firstSeq)
        json["publish_failures"] = Dictionary(uniqueKeysWithValues: d.producers.map { ($0.don.config.id, $0.failures.count) })

        // Delivery.
        text.append(String(format: "== %d DONs produced %@ reports in %.1f s (%.0f/s each)", produced.count,
                           produced.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: " "), d.productionSeconds, d.options.rate))
        for f in d.producers where f.failures.count > 0 { text.append("   \(f.don.config.id): \(f.failures.count) publishes failed, last: \(f.failures.last)") }
        text.append("reports held per node (of produced):")
        var nodes: [[String: Any]] = []
        var complete = true
        for r in honest {
            let held = inspections[r.node.name]?.held ?? [:]
            let whole = produced.allSatisfy { held[$0.key] == Int($0.value) }
            complete = complete && whole
            let cells = produced.keys.sorted().map { "\($0) \(held[$0] ?? 0)/\(produced[$0]!)" }.joined(separator: "  ")
            text.append(String(format: "  %-8@ %@ %@  %@", r.node.name, DevnetLayout.describe(r.node.role).padding(toLength: 18, withPad: " ", startingAt: 0), whole ? "all" : "MISSING", cells))
            var entry: [String: Any] = ["name": r.node.name, "role": DevnetLayout.describe(r.node.role), "peer_id": r.node.peerID, "held": held, "complete": whole]
            if let i = inspections[r.node.name] {
                entry["records"] = i.records
                entry["disk_bytes"] = i.diskBytes
                entry["heads"] = i.heads.mapValues { Int($0) }
            }
            if let cpu = d.cpuSeconds[r.node.name] { entry["cpu_seconds"] = cpu }
            nodes.append(entry)
        }
        json["nodes"] = nodes
        json["all_delivered"] = complete
        let total = max(1, produced.values.reduce(0, +))
        let fractions = honest.map { r in Double(produced.keys.reduce(0) { $0 + min(inspections[r.node.name]?.held[$1] ?? 0, Int(produced[$1]!)) }) / Double(total) }
        json["delivered_percent"] = 100 * (fractions.min() ?? 0)
        ok = ok && complete

        // Latency (reports from the network, on nodes present from the start).
        let latencies = d.watches.flatMap(\.latenciesMs)
        let p50 = Self.percentile(latencies, 50), p99 = Self.percentile(latencies, 99)
        json["latency_ms"] = ["p50": p50, "p99": p99, "samples": latencies.count]
        text.append(String(format: "latency, signing to delivery on another node: p50 %.2f ms, p99 %.2f ms (%d deliveries)", p50, p99, latencies.count))

        // The byzantine peer.
        var byz: [String: Any] = [:]
        if !byzIDs.isEmpty {
            let sent = d.attackers.reduce(into: [String: Int]()) { acc, a in a.counts.forEach { acc[$0.key, default: 0] += $0.value } }
            byz["peer_ids"] = Array(byzIDs)
            byz["sent"] = sent
            text.append("byzantine \(byzIDs.map { names[$0] ?? $0 }.sorted().joined(separator: ", ")) sent: "
                        + (sent.isEmpty ? "nothing (the run ended before its turn)" : sent.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")))
            let scheme = d.layout.dons.first?.config.scheme ?? .ed25519
            let wanted = Set(ByzantineSender.Attack.allCases.filter { $0.penalized && (sent[$0.rawValue] ?? 0) > 0 }.map { $0.expectedReason(scheme) })
            var perNode: [String: Any] = [:]
            var everyNode = true
            text.append("  penalties each honest node recorded against it (its score there at the end, and the lowest seen):")
            for r in honest {
                var reasons: [String: Int] = [:]
                for id in byzIDs { inspections[r.node.name]?.penalties[id]?.forEach { reasons[$0.key, default: 0] += $0.value } }
                let missing = wanted.subtracting(reasons.keys)
                let lateAndAbsent = r.node.role == .lateJoiner
                if !lateAndAbsent, !missing.isEmpty { everyNode = false }
                let score = byzIDs.compactMap { d.attackerScores[r.node.name]?[$0] }.min()
                let lowest = byzIDs.compactMap { d.attackerLowestScores[r.node.name]?[$0] }.min()
                perNode[r.node.name] = ["reasons": reasons, "score": score as Any, "lowest_score": lowest as Any, "missing": Array(missing).sorted()]
                text.append(String(format: "  %-8@ %@%@", r.node.name,
                                   reasons.isEmpty ? "none" : reasons.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "),
                                   score.map { String(format: " (score %.1f, lowest %.1f)", $0, min(lowest ?? $0, $0)) } ?? "") + (missing.isEmpty || lateAndAbsent ? "" : "  MISSING \(missing.sorted())"))
            }
            let equivocations = honest.reduce(0) { $0 + (inspections[$1.node.name]?.records["IGNORE equivocation"] ?? 0) }
            text.append("  equivocating reports kept as evidence (IGNORE equivocation): \(equivocations) across honest nodes")
            byz["per_node"] = perNode
            byz["penalized_on_every_node"] = everyNode
            byz["equivocation_evidence"] = equivocations
            ok = ok && everyNode
        }
        json["byzantine"] = byz
        hostileSection(d, honest: honest, inspections: inspections)

        // Honest peers must have no penalty anywhere.
        var honestPenalties: [String] = []
        for r in honest {
            for (peer, reasons) in inspections[r.node.name]?.penalties ?? [:] where honestIDs.contains(peer) {
                honestPenalties.append("\(r.node.name) penalized \(names[peer] ?? peer): \(reasons.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))")
            }
        }
        json["honest_penalties"] = honestPenalties
        var byReason = ["honest": [String: Int](), "attackers": [String: Int]()]
        for r in honest {
            for (peer, reasons) in inspections[r.node.name]?.penalties ?? [:] {
                let bucket = honestIDs.contains(peer) ? "honest" : "attackers"
                reasons.forEach { byReason[bucket]![$0.key, default: 0] += $0.value }
            }
        }
        json["penalties_by_reason"] = byReason
        text.append(honestPenalties.isEmpty ? "honest peers penalized: none" : "honest peers penalized:\n  " + honestPenalties.joined(separator: "\n  "))
        ok = ok && honestPenalties.isEmpty

        // The late joiner.
        if let late = honest.first(where: { $0.node.role == .lateJoiner }), let start = d.lateJoinerStart {
            let heads = inspections[late.node.name]?.heads ?? [:]
            let reference = honest.first.flatMap { inspections[$0.node.name]?.heads } ?? [:]
            let equal = heads == reference
            json["late_joiner"] = ["started_at_s": start.at, "reports_before_start": start.produced.values.reduce(0, +),
                                   "catch_up_s": d.catchUpSeconds as Any, "heads_equal": equal]
            text.append(String(format: "late joiner %@ started at %.1f s with %d reports to fetch: ", late.node.name, start.at, start.produced.values.reduce(0, +))
                        + (d.catchUpSeconds.map { String(format: "caught up in %.2f s", $0) } ?? "DID NOT catch up") + "; heads " + (equal ? "equal to the others'" : "DIFFER: \(heads) vs \(reference)"))
            ok = ok && equal && d.catchUpSeconds != nil
        }

        if let don = d.partition.don, let cut = d.partition.cutAt {
            json["partition"] = ["don": don, "cut_at_s": cut, "healed_at_s": d.partition.healedAt as Any, "converged_after_heal_s": d.partition.convergedAfter as Any]
            text.append(String(format: "partition: %@ cut off at %.1f s, healed at %.1f s; ", don, cut, d.partition.healedAt ?? .nan)
                        + (d.partition.convergedAfter.map { String(format: "every honest node held every report made before the heal %.2f s after it", $0) }
                           ?? "the nodes DID NOT converge within 30 s of the heal"))
            ok = ok && d.partition.convergedAfter.map { $0 <= 30 } == true
        }

        durabilitySection(d, honest: honest, inspections: inspections)

        // Costs.
        let members = honest.filter { $0.node.don != nil }
        let perReport = members.compactMap { r -> Double? in
            guard let cpu = d.cpuSeconds[r.node.name], let all = inspections[r.node.name]?.totalRecords else { return nil }
            let n = all - (d.recordsAtStart[r.node.name] ?? 0)
            return n > 0 ? cpu * 1000 / Double(n) : nil
        }
        let disk = members.compactMap { r -> Double? in
            guard let i = inspections[r.node.name], i.totalRecords > 0 else { return nil }
            return Double(i.diskBytes) / Double(i.totalRecords)
        }
        let cpuMs = perReport.isEmpty ? .nan : perReport.reduce(0, +) / Double(perReport.count)
        let bytes = disk.isEmpty ? .nan : disk.reduce(0, +) / Double(disk.count)
        json["cpu_ms_per_report_per_agent"] = cpuMs
        json["disk_bytes_per_report"] = bytes
        text.append(String(format: "cost per agent: %.3f ms CPU per message handled while reports flowed (the agent process), %.0f bytes on disk per report", cpuMs, bytes))
        let cpus = members.compactMap { d.cpuSeconds[$0.node.name] }
        let cpuPerAgent = cpus.isEmpty ? .nan : cpus.reduce(0, +) / Double(cpus.count)
        let rss = members.compactMap { d.peakRSSKiB[$0.node.name] }
        json["cpu_seconds_per_agent"] = cpuPerAgent
        json["peak_rss_kib"] = ["max": rss.max() as Any, "median": rss.isEmpty ? 0 : rss.sorted()[rss.count / 2]]
        text.append(String(format: "per DON agent: %.2f s CPU while reports flowed (%.1f %% of a core), peak RSS median %d KiB, max %d KiB", cpuPerAgent,
                           100 * cpuPerAgent / max(d.productionSeconds, 1e-9), rss.isEmpty ? 0 : rss.sorted()[rss.count / 2], rss.max() ?? 0))
        json["ok"] = ok

        let dir = d.layout.dir
        let node0 = d.layout.nodes.first!
        let topic = d.layout.dons.first!.topic
        text.append("""

            inspect the data dirs (agents are stopped; every command takes --help):
              p2pmq heads --data-dir \(node0.dataDir)
              p2pmq history --data-dir \(node0.dataDir) --topic \(topic) --limit 10
              p2pmq history --data-dir \(node0.dataDir) --verdict REJECT --limit 10
              p2pmq audit peers --data-dir \(node0.dataDir)
              p2pmq audit peer <PEER> --data-dir \(node0.dataDir)
              p2pmq audit replay --data-dir \(node0.dataDir) --dons \(d.layout.genesisPath)
              p2pmq replay --data-dir \(node0.dataDir) --topic \(topic) --validator-cmd 'p2pmq validator --agent $P2PMQ_GRPC --dons \(d.layout.genesisPath)'
            logs: \(dir)/nodes/<node>/agent.log, validator.log; this summary: \(dir)/summary.json
            """)
    }

    func write(to path: String) {
        if let data = try? JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys]) {
            FileManager.default.createFile(atPath: path, contents: data)
        }
    }

    var jsonLine: String {
        (try? JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])).flatMap { String(data: $0, encoding: .utf8) } ?? "{}"
    }
}
