import Agent
import ArgumentParser
import Core
import DON
import Foundation
import Yams

/// `p2pmq devnet`: DONs of agents on 127.0.0.1, signed reports, a byzantine node, a late joiner.
struct DevnetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devnet",
        abstract: "Run a local network of DONs: agents, validators, signed reports, an attacker and a late joiner.",
        discussion: """
            Starts, as processes on 127.0.0.1, one `p2pmq agent` and one `p2pmq validator` per node of \
            every DON (all agents subscribe to every DON's topic, <don>/reports). Per DON a producer \
            signs reports with a quorum of the DON's keys and publishes them through the DON's nodes \
            in turn, --rate per second. The byzantine node (an agent without a validator, holding one \
            DON's keys) sends, in the first half, reports with too few and forged signatures, stale \
            and unrealistic seqs, and equivocating reports to every topic. The late joiner starts \
            halfway and catches up by range sync.

            Prints progress every 2 s on stderr and ends with a summary: reports held per DON and \
            node, latency p50/p99, the penalties and score of the byzantine peer on each honest node, \
            penalties of honest peers (there should be none), the late joiner's catch-up time, CPU \
            and disk per report, and commands to inspect the data dirs. Exit status 1 if a promise \
            failed (a report missing, an honest peer penalized, the attacker not penalized). Ctrl-C \
            stops everything and summarizes what ran.
            """)

    @Option(help: "How DONs sign: ocr2-evm (OCR2 transmit calldata, secp256k1, configs as ConfigSet events), ocr3-evm (OCR3 commit calldata, seq = seqNr), datastreams (Data Streams v3 signed reports), keystone (KeystoneForwarder reports), ed25519 (our envelope; the only one for DONs under 4 nodes) or mixed (one family per DON in turn). EVM DONs have 4 to 31 nodes.")
    var scheme = "ocr2-evm"
    @Option(help: "Number of DONs.") var dons = 3
    @Option(help: "Nodes (agents, signers) per DON.") var nodes = 4
    @Option(help: "Byzantine nodes (0 or 1).") var byzantine = 1
    @Flag(name: .customLong("late-joiner"), inversion: .prefixedNo, help: "Start a node halfway that catches up.") var lateJoiner = true
    @Option(help: "How long reports are produced (Go duration: 30s, 2m).") var duration = "30s"
    @Option(help: "Reports per second per DON.") var rate = 10.0
    @Option(help: "Folder for DONs, configs, data dirs and logs (recreated).") var dir = "./devnet"
    @Flag(help: "Print the summary as one JSON object.") var json = false
    @Option(help: ArgumentHelp("Run every node on its own test host made by this cluster.sh (../shared/netns/cluster.sh; `cluster.sh up N` first, N >= nodes + 1; needs root).", valueName: "cluster.sh")) var cluster: String?
    @Option(help: ArgumentHelp("Cut a DON's hosts off for a while, e.g. don-b@10s+30s (needs --cluster).", valueName: "don@start+length")) var partition: String?
    @Option(help: ArgumentHelp("Hostile peers (p2pmq-hostile, built beside p2pmq) attacking every honest agent from 10 % of the run on: forged and under-quorum reports, stale and unrealistic seqs, IHAVE/IWANT floods, GRAFT in backoff, oversize and garbage frames, subscription spam, a lying sync server, provider-record floods and a lying DHT server. Each must end below the graylist threshold on every honest node.", valueName: "n")) var hostile = 0
    @Option(help: ArgumentHelp("What the hostile peers do: all, or a comma-separated list (forged_signature, under_quorum, stale_replay, unrealistic_seq, ihave_flood, iwant_flood, graft_backoff, oversize_frame, garbage_frame, subscription_spam, raw_garbage, lying_sync, dht_provider_flood, dht_lies).", valueName: "attacks")) var hostileAttacks = "all"
    @Option(help: "Milliseconds between the hostile peers' turns (each turn attacks every agent once).") var hostileIntervalMs = 200
    @Option(help: ArgumentHelp("Every interval, SIGKILL a random DON node's agent and restart it (agents store with durability sync; producers retry through the DON's other nodes). No acknowledged report may be lost.", valueName: "interval")) var churn: String?

    @Option(help: ArgumentHelp("Run this scenario (YAML: duration and rate in seconds, dons, nodes, byzantine, lateJoiner, hostile, and timed events; see docs/CLI.md) instead of the one the flags above describe.", valueName: "file")) var scenario: String?
    @Flag(help: "Print the scenario this run would follow (YAML) and exit.") var printScenario = false

    static func parsePartition(_ text: String) -> (String, Duration, Duration)? {
        let at = text.split(separator: "@", maxSplits: 1)
        guard at.count == 2 else { return nil }
        let times = at[1].split(separator: "+", maxSplits: 1)
        guard times.count == 2, let start = GoDuration.parse(String(times[0])), let length = GoDuration.parse(String(times[1])) else { return nil }
        return (String(at[0]), start, length)
    }

    func validate() throws {
        guard let schemes = DevnetSchemes(scheme) else { throw ValidationError("--scheme must be one of \(DevnetSchemes.names)") }
        if schemes.anyEVM(dons: dons), scenario == nil, !(4...31).contains(nodes) {
            throw ValidationError("--nodes \(nodes): \(scheme) DONs have 4 to 31 nodes (f >= 1, 3f < n, as OCR2 contracts require); use --scheme ed25519 for smaller DONs")
        }
        guard (1...26).contains(dons) else { throw ValidationError("--dons must be 1 to 26") }
        guard (1...64).contains(nodes) else { throw ValidationError("--nodes must be 1 to 64") }
        guard (0...1).contains(byzantine) else { throw ValidationError("--byzantine must be 0 or 1") }
        guard let d = GoDuration.parse(duration), d >= .seconds(2) else { throw ValidationError("--duration must be a Go duration of at least 2s, e.g. 30s") }
        if let partition {
            guard cluster != nil else { throw ValidationError("--partition needs --cluster (hosts to cut)") }
            guard let (don, start, length) = Self.parsePartition(partition) else { throw ValidationError("--partition: expected don@start+length, e.g. don-b@10s+30s") }
            guard let index = don.split(separator: "-").last.flatMap({ $0.unicodeScalars.first }).map({ Int($0.value) - 97 }),
                  don.hasPrefix("don-"), don.count == 5, (0..<dons).contains(index) else { throw ValidationError("--partition: no DON \(don) among don-a.. of --dons \(dons)") }
            guard let d = GoDuration.parse(duration), start + length < d else { throw ValidationError("--partition must heal before --duration ends") }
        }
        guard (0...8).contains(hostile) else { throw ValidationError("--hostile must be 0 to 8") }
        guard hostileIntervalMs >= 1 else { throw ValidationError("--hostile-interval-ms must be at least 1") }
        if let churn { guard let c = GoDuration.parse(churn), c >= .seconds(1) else { throw ValidationError("--churn must be a Go duration of at least 1s, e.g. 5s") } }
        if let cluster, !FileManager.default.isReadableFile(atPath: cluster) { throw ValidationError("--cluster \(cluster): no such script") }
        guard rate > 0, rate <= 5000 else { throw ValidationError("--rate must be above 0 and at most 5000") }
    }

    /// The scenario from `--scenario`, or the standard one the flags describe.
    func loadScenario() throws -> Scenario {
        guard let path = scenario else {
            let seconds = { (d: Duration) in d.seconds }
            return Scenario.standard(
                duration: seconds(GoDuration.parse(duration)!), rate: rate, dons: dons, nodes: nodes, byzantine: byzantine, lateJoiner: lateJoiner,
                hostile: hostile, churnEvery: churn.flatMap(GoDuration.parse).map(seconds),
                partition: partition.flatMap(Self.parsePartition).map { (don: $0.0, start: seconds($0.1), length: seconds($0.2)) })
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw ValidationError("--scenario \(path): cannot read the file") }
        let loaded: Scenario
        do { loaded = try YAMLDecoder().decode(Scenario.self, from: text) } catch {
            throw ValidationError("--scenario \(path): not a scenario: \(error)")
        }
        if let problem = loaded.problem { throw ValidationError("--scenario \(path): \(problem)") }
        guard (1...26).contains(loaded.dons), (1...64).contains(loaded.nodes) else { throw ValidationError("--scenario \(path): dons must be 1 to 26, nodes 1 to 64") }
        if loaded.partition != nil, cluster == nil { throw ValidationError("--scenario \(path): a partition needs --cluster (hosts to cut)") }
        return loaded
    }

    func run() async throws {
        var options = Devnet.Options()
        options.scenario = try loadScenario()
        if printScenario {
            print(try YAMLEncoder().encode(options.scenario), terminator: "")
            return
        }
        options.schemes = DevnetSchemes(scheme)!
        if options.schemes.anyEVM(dons: options.scenario.dons), !(4...31).contains(options.nodes) {
            throw ValidationError("the scenario's \(options.nodes) nodes per DON: EVM DONs have 4 to 31 (use --scheme ed25519)")
        }
        options.dir = dir
        options.cluster = cluster.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        options.hostileAttacks = hostileAttacks
        options.hostileIntervalMs = hostileIntervalMs
        let hostile = options.hostile
        let executable = Bundle.main.executablePath ?? CommandLine.arguments[0]
        if hostile > 0 {
            let hostileExe = Devnet.hostileExecutable(beside: executable)
            guard FileManager.default.isExecutableFile(atPath: hostileExe) else {
                throw ValidationError("--hostile needs \(hostileExe); build it: swift build --product p2pmq-hostile (with the same -c as p2pmq)")
            }
        }
        let devnet = try Devnet(options: options, executable: executable) { note($0) }
        let signals = await SignalWaiter.trapping()
        let watcher = Task {
            await signals.wait()
            if Task.isCancelled { return }
            note("devnet: stopping (signal); summarizing what ran")
            devnet.stopRequested.withLockedValue { $0 = true }
        }
        defer { watcher.cancel() }
        do { try await devnet.run() } catch is CancellationError {} catch {
            throw ValidationError("devnet failed: \(error)")
        }
        let summary = DevnetSummary(devnet)
        summary.write(to: devnet.layout.dir + "/summary.json")
        if json { print(summary.jsonLine) } else { print(summary.text.joined(separator: "\n")) }
        if !summary.ok { throw ExitCode(1) }
    }
}
