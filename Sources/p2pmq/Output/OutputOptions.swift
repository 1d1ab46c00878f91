import ArgumentParser
import Foundation
import Store

/// Options every command shares: where the data dir is.
struct DataDirOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "The agent's data dir.")
    var dataDir = "./p2pmq-data"
}

/// How query commands print: a table for people, JSON lines or CSV for scripts.
struct FormatOptions: ParsableArguments {
    @Flag(help: "One JSON object per line.")
    var json = false

    @Flag(help: "Comma-separated values with a header line.")
    var csv = false

    func validate() throws {
        if json && csv { throw ValidationError("choose one of --json and --csv") }
    }

    var format: OutputFormat { json ? .json : csv ? .csv : .table }
}

enum OutputFormat { case table, json, csv }

/// Writes to standard error (progress, notices), keeping standard output for data. Standard
/// output is flushed first so that, on a terminal or in one log, notices follow what they are about.
func note(_ text: String) {
    fflush(nil)
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
