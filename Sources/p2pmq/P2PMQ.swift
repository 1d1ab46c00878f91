import ArgumentParser

/// `p2pmq ...`, or the Go binary's command line when run as `pmq` (see `PmqCommandLine`).
@main
enum Entry {
    static func main() async {
        var arguments = Array(CommandLine.arguments.dropFirst())
        if PmqCommandLine.invoked(as: CommandLine.arguments.first) { arguments = PmqCommandLine.translate(arguments) }
        await P2PMQ.main(arguments)
    }
}

struct P2PMQ: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "p2pmq",
        abstract: "DON-to-DON messaging agent: libp2p host, report log, history and audit tools.",
        discussion: """
            Every command works on a data dir (--data-dir, default ./p2pmq-data). Query commands print
            tables by default, --json for one JSON object per line, --csv for spreadsheets.
            See docs/CLI.md for the full reference.
            """,
        version: "0.1.0",
        subcommands: [
            ImportCommand.self, ExportCommand.self, HistoryCommand.self, HeadsCommand.self,
            AuditCommand.self, IndexCommand.self, DONCommand.self, ReportCommand.self,
            ReplayCommand.self, ValidatorCommand.self, DevnetCommand.self, PublishCommand.self, PeersCommand.self, DHTCommand.self, KeygenCommand.self, IDCommand.self, PingCommand.self, AgentCommand.self, DebugCommand.self,
        ]
    )
}
