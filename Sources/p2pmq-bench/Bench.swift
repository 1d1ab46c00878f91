import ArgumentParser

@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "p2pmq-bench",
        abstract: "Benchmarks that print figures next to a baseline measured in the same run.",
        discussion: "Build with -c release: `swift run -c release p2pmq-bench store`.",
        subcommands: [StoreBench.self, HostBench.self, AgentBench.self, SyncBench.self, ReplayBench.self, ReportBench.self, DevnetBench.self])
}
