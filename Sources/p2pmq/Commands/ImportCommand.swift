import ArgumentParser
import Foundation
import Store

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Load records from a JSON-lines file into the log.",
        discussion: """
            Each line is a record with the keys topic, offset, msg_id, received_at (RFC 3339),
            from, don, seq, verdict (ACCEPT|IGNORE|REJECT), reason, data_b64 — the format of
            `p2pmq export`. Offsets are assigned anew (dense per topic); `offset` is ignored.
            All or nothing: the first bad line aborts the import with its line number and
            nothing is written. Records whose msg_id the topic already holds are skipped.
            A REJECT record also records a penalty for its `from` peer (score delta -1: one
            invalid delivery), as the agent does when it rejects a message.
            """)

    @OptionGroup var store: DataDirOptions

    @Argument(help: "The JSON-lines file, or - for standard input.")
    var file: String

    @Option(help: "Put every record on this topic, whatever its `topic` key says.")
    var topic: String?

    @Flag(help: "Print the summary as JSON.")
    var json = false

    func run() throws {
        let text = try readInput(file)
        var items: [AppendItem] = []
        var lineNumber = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            if line.allSatisfy(\.isWhitespace) { continue }
            let record = try RecordJSON.decode(line, line: lineNumber, topicOverride: topic)
            items.append(AppendItem(record: record, penalty: record.verdict == .reject ? Self.penalty(for: record) : nil))
        }
        let store = try ReportStore.open(dataDir: self.store.dataDir)
        defer { store.close() }
        let outcomes = try store.appendAndWait(items)
        try store.flush()
        let appended = outcomes.filter { if case .appended = $0 { true } else { false } }.count
        _ = try ReportIndex.open(for: store, progress: StoreAccess.progressPrinter("indexing"))
        if json {
            var line = JSONLine()
            line.add("imported", appended)
            line.add("duplicates", outcomes.count - appended)
            line.add("penalties", items.filter { $0.penalty != nil }.count)
            print(line.text)
        } else {
            print("imported \(appended) records (\(outcomes.count - appended) duplicates skipped) into \(self.store.dataDir)")
        }
    }

    static func penalty(for r: LogRecord) -> PenaltyRecord {
        PenaltyRecord(peer: r.from, at: r.receivedAt, topic: r.topic, messageID: r.messageID, reason: r.reason, verdict: .reject, scoreDelta: -1)
    }
}

/// Reads a whole file, or standard input for "-".
func readInput(_ path: String) throws -> String {
    let data: Data?
    if path == "-" {
        data = FileHandle.standardInput.readDataToEndOfFile()
    } else {
        data = FileManager.default.contents(atPath: path)
    }
    guard let data else { throw ValidationError("cannot read \(path)") }
    guard let text = String(data: data, encoding: .utf8) else { throw ValidationError("\(path) is not UTF-8 text") }
    return text
}
