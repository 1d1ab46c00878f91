import Wire
import ArgumentParser
import Foundation
import Store
import DON

struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Show stored records matching filters, newest last.",
        discussion: """
            Filters combine with AND. Times are RFC 3339 (2026-11-26T10:00:00Z), nanoseconds since \
            the epoch, or an age such as 15m, 2h, 7d. --json prints each record in the export format \
            (with data_b64); the table shows the data size instead. Reports whose bodies the agent \
            can read (Data Streams: feedId, timestamps, fees, prices; Keystone: the metadata) carry \
            them as "report" in --json, and under their row with --decode.
            """)

    @OptionGroup var store: DataDirOptions
    @OptionGroup var format: FormatOptions

    @Option(help: "Only this topic.") var topic: String?
    @Option(help: "Only reports of this DON.") var don: String?
    @Option(help: "Sequence numbers A..B (also A.., ..B, or one number).") var seq: SeqRangeArgument?
    @Option(help: "Received at or after this time.") var since: TimeArgument?
    @Option(help: "Received at or before this time.") var until: TimeArgument?
    @Option(help: "Only this verdict (ACCEPT, IGNORE, REJECT).") var verdict: Verdict?
    @Option(help: "Only records forwarded by this peer.") var from: String?
    @Option(help: "Show the newest N matches (0: all).") var limit = 100
    @Flag(help: "Table: print the fields of reports whose bodies the agent can read under their row.") var decode = false

    func run() throws {
        let (store, index) = try StoreAccess.openForQuery(self.store.dataDir)
        defer { store.close() }
        if let topic { _ = try store.requireTopic(topic) }
        var query = HistoryQuery()
        query.topic = topic
        query.don = don
        query.seqRange = seq?.range
        query.since = since?.nanoseconds
        query.until = until?.nanoseconds
        query.verdict = verdict
        query.from = from
        query.limit = limit > 0 ? limit : nil
        let locations = try index.history(query)
        let records = try locations.compactMap { try store.record(topic: $0.topic, offset: $0.offset) }
        if format.format == .json {
            for r in records {
                var line = RecordJSON.encode(r)
                _ = line.popLast()  // the export format plus the record's size (and the report's fields)
                let fields = ReportBodyFields.describe(r.data)
                print(line + ",\"size\":\(r.data.count)" + (fields.isEmpty ? "" : ",\"report\":" + ReportBodyJSON.object(fields)) + "}")
            }
            return
        }
        var table = Table(["received_at", "topic", "offset", "don", "seq", "verdict", "reason", "from", "msg_id", "size"])
        for r in records {
            table.add([
                .text(RFC3339.format(r.receivedAt)), .text(r.topic), .number(r.offset), .text(r.don), .number(r.seq),
                .text(r.verdict.name), .text(r.reason), .text(r.from), .text(r.messageID), .number(UInt64(r.data.count)),
            ])
        }
        if decode, format.format == .table {
            // The header, then each record's row followed by its readable fields.
            let lines = table.render(.table).split(separator: "\n", omittingEmptySubsequences: false)
            if let header = lines.first { print(header) }
            for (i, r) in records.enumerated() where i + 1 < lines.count {
                print(lines[i + 1])
                for (name, value) in ReportBodyFields.describe(r.data) { print("    \(name) \(value)") }
            }
        } else {
            print(table.render(format.format), terminator: "")
        }
        if format.format == .table {
            if records.isEmpty { note("no records match") }
            else if let limit = query.limit, records.count == limit { note("showing the newest \(limit); --limit 0 shows all") }
        }
    }
}
