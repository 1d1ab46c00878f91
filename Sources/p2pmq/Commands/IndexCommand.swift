import ArgumentParser
import Store

struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Manage the SQLite index (a projection of the LMDB log).",
        subcommands: [Rebuild.self])

    struct Rebuild: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete index.sqlite and build it again from the LMDB log alone.",
            discussion: "Needs the data dir's lock: stop the agent first.")

        @OptionGroup var store: DataDirOptions
        @Flag(help: "Print the summary as JSON.") var json = false

        func run() throws {
            try StoreAccess.requireExisting(store.dataDir)
            let store = try ReportStore.open(dataDir: self.store.dataDir)
            defer { store.close() }
            let index = try ReportIndex.rebuild(for: store, progress: StoreAccess.progressPrinter("rebuilding"))
            let records = try index.recordCount()
            let penalties = try store.penaltyCount()
            if json {
                var line = JSONLine()
                line.add("records", records)
                line.add("penalties", penalties)
                line.add("path", index.path)
                print(line.text)
            } else {
                print("rebuilt \(index.path): \(records) records, \(penalties) penalties")
            }
        }
    }
}
