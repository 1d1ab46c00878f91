import Agent
import DON
import ArgumentParser
import Store

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Explain penalties given to peers.",
        subcommands: [Peers.self, Peer.self, Replay.self])

    struct Peers: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Peers ranked by penalties: count, by reason, last seen, total score delta.")

        @OptionGroup var store: DataDirOptions
        @OptionGroup var format: FormatOptions
        @Option(help: "Show the top N peers (0: all).") var limit = 0

        func run() throws {
            let (store, index) = try StoreAccess.openForQuery(self.store.dataDir)
            defer { store.close() }
            var summaries = try index.peerPenaltySummaries()
            if limit > 0 { summaries = Array(summaries.prefix(limit)) }
            var table = Table(["peer", "penalties", "by_reason", "last_seen", "score_delta"])
            for s in summaries {
                let reasons = s.byReason.sorted { ($1.value, $0.key) < ($0.value, $1.key) }
                var json = JSONLine()
                for (reason, n) in reasons { json.add(reason, n) }
                table.add([
                    .text(s.peer), .number(UInt64(s.count)),
                    .json(json.text, display: reasons.map { "\($0.key)=\($0.value)" }.joined(separator: " ")),
                    .text(RFC3339.format(s.lastSeen)), .decimal(s.totalScoreDelta),
                ])
            }
            print(table.render(format.format), terminator: "")
            if summaries.isEmpty, format.format == .table { note("no penalties recorded") }
        }
    }

    struct Peer: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One peer's timeline: every penalty with its reason, and what it forwarded.")

        @OptionGroup var store: DataDirOptions
        @OptionGroup var format: FormatOptions
        @Argument(help: "The peer id.") var id: String

        func run() throws {
            let (store, index) = try StoreAccess.openForQuery(self.store.dataDir)
            defer { store.close() }
            let penalties = try index.penalties(peer: id)
            let delivered = try index.deliveries(from: id)
            if format.format == .table {
                print("peer \(id)")
                print("forwarded: \(delivered.accepted) accepted, \(delivered.ignored) ignored, \(delivered.rejected) rejected")
                print("penalties: \(penalties.count), score delta \(penalties.reduce(0) { $0 + $1.scoreDelta })\n")
            }
            var table = Table(["at", "topic", "verdict", "reason", "msg_id", "score_delta"])
            for p in penalties {
                table.add([.text(RFC3339.format(p.at)), .text(p.topic), .text(p.verdict.name), .text(p.reason), .text(p.messageID), .decimal(p.scoreDelta)])
            }
            print(table.render(format.format), terminator: "")
            if penalties.isEmpty, delivered.total == 0, format.format == .table {
                note("nothing recorded for peer \(id)")
            }
        }
    }

    struct Replay: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-check stored penalties against the evidence kept with them.",
            discussion: """
                Each penalty's message is judged again by the built-in DON verifier (signatures, quorum, \
                config digest; for stale or unrealistic sequence numbers, against the log as it stood \
                when the message arrived). Outcomes: confirmed, not_reproduced (look closer), external \
                (judged by an external validator: re-judge with `p2pmq replay`), no_evidence (protocol \
                penalties keep no message), evidence_gone (retention), unchecked (DON config not given). \
                DON configs come from --dons files or from the agent's --config.
                """)

        @OptionGroup var store: DataDirOptions
        @OptionGroup var format: FormatOptions
        @Option(name: .customLong("dons"), parsing: .upToNextOption, help: "Genesis files or DON config files (don.json).") var donFiles: [String] = []
        @Option(help: "Take the DON configs of this agent config file.") var config: String?
        @Option(help: "Only this peer's penalties.") var peer: String?

        func run() throws {
            var files = donFiles
            if let config { files += try AgentConfig.load(path: config).dons }
            var registry = try Genesis.load(paths: files).registry
            let store = try StoreAccess.openReadOnly(self.store.dataDir)
            defer { store.close() }
            // The key rotations this node applied judge the reports after them, as they did live.
            for record in try store.registryRecords() { registry.apply(data: record.data) }
            let findings = try EvidenceCheck(registry: registry).run(store: store) { p in peer.map { p.peer == $0 } ?? true }
            var table = Table(["n", "at", "peer", "topic", "offset", "reason", "outcome", "detail"])
            var totals: [String: Int] = [:]
            for f in findings {
                totals[f.outcome.rawValue, default: 0] += 1
                table.add([
                    .number(f.penalty.number), .text(RFC3339.format(f.penalty.at)), .text(f.penalty.peer), .text(f.penalty.topic),
                    f.offset.map { .number($0) } ?? .text(""), .text(f.penalty.reason), .text(f.outcome.rawValue), .text(f.detail),
                ])
            }
            print(table.render(format.format), terminator: "")
            if format.format == .table {
                note(findings.isEmpty ? "no penalties recorded" : "checked \(findings.count) penalties: "
                    + totals.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            }
        }
    }
}
