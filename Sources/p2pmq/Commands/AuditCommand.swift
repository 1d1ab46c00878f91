import ArgumentParser
import Store

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Explain penalties given to peers.",
        subcommands: [Peers.self, Peer.self])

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
}
