import AgentAPI
import Core
import DON
import Foundation
import NIOConcurrencyHelpers
import Wire

/// One devnet run: starts the agents and validators, produces reports, attacks, lets a node join
/// late, and collects what happened. Every child process is stopped at the end, also on Ctrl-C.
final class Devnet: @unchecked Sendable {
    // @unchecked: the mutable fields below are touched only by `run`'s task, in sequence;
    // the signal handler only sets `stopRequested` (a locked box).
    struct Options {
        /// The network and its timeline (Core's `Scenario`): built from the flags, or a file.
        var scenario = Scenario.standard(duration: 30, rate: 10)
        var dir = "./devnet"
        /// cluster.sh: every node on its own test host (network namespace).
        var cluster: String?
        /// The hostile peers' attacks (`all` or a list) and the pause between turns.
        var hostileAttacks = "all"
        var hostileIntervalMs = 200
        /// How the DONs sign their reports.
        var schemes = DevnetSchemes.one(.ocr2EVM)

        var dons: Int { scenario.dons }
        var nodes: Int { scenario.nodes }
        var byzantine: Int { scenario.byzantine }
        var lateJoiner: Bool { scenario.lateJoiner }
        var duration: Duration { .milliseconds(Int64(scenario.duration * 1000)) }
        var rate: Double { scenario.rate }
        var hostile: Int { scenario.hostile }
        /// How often churn SIGKILLs and restarts a random DON node's agent, once it started.
        var churn: Duration? { scenario.churnEvery.map { .milliseconds(Int64($0 * 1000)) } }
    }

    /// What churn did: kills, how long restarted agents took to be ready again.
    struct ChurnReport {
        var kills: [(at: Double, node: String)] = []
        var restartSeconds: [Double] = []
        var nextAt = 0.0
    }

    /// A running `p2pmq-hostile`.
    struct HostileProcess {
        let node: DevnetLayout.Node
        let process: ChildProcess
        let peerID: String
    }

    /// What the partition did: when, and how long after healing every honest node held every
    /// report made until the heal.
    struct PartitionReport {
        var don: String?
        var cutAt: Double?
        var healedAt: Double?
        var producedAtHeal: [String: UInt64] = [:]
        var convergedAfter: Double?
    }

    struct Running {
        let node: DevnetLayout.Node
        var agent: ChildProcess
        /// Agent processes this node had before the current one (churn).
        var incarnations = 0
        /// CPU the earlier incarnations used during production.
        var cpuBefore = 0.0
        var validator: ChildProcess?
        let client: AgentClient
        let listen: String
        let grpc: String
    }

    let options: Options
    let executable: String
    let progress: @Sendable (String) -> Void
    var layout: DevnetLayout
    var running: [Running] = []
    var producers: [ReportProducer] = []
    var attackers: [ByzantineSender] = []
    var watches: [DeliveryWatch] = []
    var lateJoinerStart: (at: Double, produced: [String: UInt64])?
    var catchUpSeconds: Double?
    var cpuSeconds: [String: Double] = [:]
    /// CPU and log records per agent when production started (start-up is not a report's cost).
    var cpuAtStart: [String: Double] = [:]
    var recordsAtStart: [String: Int] = [:]
    var productionSeconds = 0.0
    var partition = PartitionReport()
    var churn = ChurnReport()
    var hostiles: [HostileProcess] = []
    /// Each attacker's (byzantine or hostile) score on each honest node: the last one seen and the
    /// lowest, by node name and attacker peer id.
    var attackerScores: [String: [String: Double]] = [:]
    var attackerLowestScores: [String: [String: Double]] = [:]
    /// Peak resident memory per agent (KiB), read just before the agents stop.
    var peakRSSKiB: [String: Int] = [:]
    let stopRequested = NIOLockedValueBox(false)
    private var tasks: [Task<Void, Never>] = []

    init(options: Options, executable: String, progress: @escaping @Sendable (String) -> Void) throws {
        self.options = options
        self.executable = executable
        self.progress = progress
        layout = try DevnetLayout.create(dir: options.dir, dons: options.dons, nodes: options.nodes,
                                         byzantine: options.byzantine, lateJoiner: options.lateJoiner, rate: options.rate, cluster: options.cluster,
                                         hostile: options.hostile, schemes: options.schemes)
        // Killed agents must not lose what they acknowledged.
        if options.churn != nil { layout.durability = "sync" }
    }

    var honestMembers: [Running] { running.filter { $0.node.don != nil } }
    var produced: [String: UInt64] {
        Dictionary(uniqueKeysWithValues: producers.map { ($0.don.config.id, $0.produced) })
    }

    /// The whole run; always leaves no child process behind.
    func run() async throws {
        do {
            try await startNetwork()
            try await produce()
            await collectLive()
        } catch {
            await stopAll()
            throw error
        }
        await stopAll()
    }

    // MARK: start

    /// Starts a node's agent; `incarnation` > 0 is a restart, with its own output files and the
    /// addresses it had (`pinned`).
    private func startAgent(_ node: DevnetLayout.Node, bootstrappers: [String], incarnation: Int = 0, pinned: (String, String)? = nil) async throws -> ChildProcess {
        try layout.writeConfig(node, bootstrappers: bootstrappers, pinned: pinned)
        // Info: catch-up rounds, keepalive closes and penalties are in the node's agent.log.
        let (agentExe, agentArgs) = layout.launch(node, executable: executable, arguments: ["agent", "--config", node.configPath, "--log-level", ProcessInfo.processInfo.environment["P2PMQ_DEVNET_LOG_LEVEL"] ?? "info"])
        let suffix = incarnation == 0 ? "" : ".\(incarnation)"
        return try ChildProcess(name: "agent \(node.name)", executable: agentExe, arguments: agentArgs,
                                stdout: node.dir + "/agent\(suffix).out", stderr: node.dir + "/agent\(suffix).log")
    }

    private func start(_ node: DevnetLayout.Node, bootstrappers: [String], validator: Bool) async throws -> Running {
        let agent = try await startAgent(node, bootstrappers: bootstrappers)
        let ready: [String: Any]
        do { ready = try await agent.readyLine() } catch {
            await agent.stop()
            throw error
        }
        guard let listen = (ready["listen"] as? [String])?.first, let grpc = ready["grpc"] as? String else {
            await agent.stop()
            throw DevnetError("agent \(node.name) printed a ready line without listen/grpc addresses")
        }
        var r = Running(node: node, agent: agent, validator: nil, client: try AgentClient(address: grpc), listen: listen, grpc: grpc)
        if validator {
            let (exe, args) = layout.launch(node, executable: executable, arguments: ["validator", "--agent", grpc, "--dons", layout.genesisPath, "--progress", "0"])
            r.validator = try ChildProcess(name: "validator \(node.name)", executable: exe, arguments: args,
                                           stdout: node.dir + "/validator.out", stderr: node.dir + "/validator.log")
        }
        return r
    }

    private func startNetwork() async throws {
        let members = layout.nodes.filter { $0.don != nil }
        progress("devnet: \(layout.dons.count) DONs x \(options.nodes) nodes, \(options.byzantine) byzantine, late joiner: \(options.lateJoiner ? "yes" : "no"); folder \(layout.dir)")
        for node in members {
            if stopRequested.withLockedValue({ $0 }) { throw CancellationError() }
            running.append(try await start(node, bootstrappers: running.map(\.listen), validator: true))
        }
        progress("devnet: \(running.count) agents and validators started; waiting for validators and connections")
        let honestAddresses = running.map(\.listen)
        for node in layout.nodes where node.role == .byzantine {
            running.append(try await start(node, bootstrappers: honestAddresses, validator: false))
        }
        // Ready: every member agent has its validator and sees every other agent started so far.
        let expectedPeers = running.count - 1
        let deadline = ContinuousClock.now + .seconds(60)
        for r in honestMembers {
            while true {
                if stopRequested.withLockedValue({ $0 }) { throw CancellationError() }
                if let h = try? await r.client.admin.health(.init()), h.validators >= 1, h.peers >= expectedPeers { break }
                guard ContinuousClock.now < deadline else {
                    let h = try? await r.client.admin.health(.init())
                    throw DevnetError("\(r.node.name) not ready after 60 s: \(h?.validators ?? 0) validators, \(h?.peers ?? 0) of \(expectedPeers) peers; see \(r.node.dir)/agent.log")
                }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        // Meshes form on the first heartbeats.
        try await Task.sleep(for: .seconds(2))
    }

    // MARK: the run

    private func produce() async throws {
        for don in layout.dons {
            let publishers = honestMembers.filter { $0.node.don == don.config.id }.map(\.client)
            producers.append(ReportProducer(don: don, publishers: publishers, rate: options.rate, retry: options.churn != nil))
        }
        for r in honestMembers {
            let w = DeliveryWatch(node: r.node.name, registry: DONRegistry(layout.dons.map(\.config)))
            watches.append(w)
            let client = r.client, topics = layout.topics
            tasks.append(Task { await w.run(client, topics: topics) })
        }
        for r in running { cpuAtStart[r.node.name] = r.agent.cpuSeconds }
        let none = Dictionary(uniqueKeysWithValues: layout.dons.map { ($0.config.id, UInt64(0)) })
        recordsAtStart = Dictionary(uniqueKeysWithValues: running.map { r in
            (r.node.name, (try? NodeInspection.read(dataDir: r.node.dataDir, produced: none).totalRecords) ?? 0)
        })
        let clock = ContinuousClock(), began = clock.now
        let total = options.duration.seconds
        var producing: [Task<Void, Never>] = producers.map { p in Task { await p.run() } }
        churn.nextAt = .infinity
        var timeline = ScenarioTimeline(options.scenario)
        var attacking: [Task<Void, Never>] = []
        var nextProgress = 2.0
        while true {
            let t = (clock.now - began).seconds
            if t >= total || stopRequested.withLockedValue({ $0 }) { break }
            // The scenario says what happens when; this carries it out.
            for event in timeline.due(at: t) {
                switch event.kind {
                case .byzantineStart:
                    guard let byz = running.first(where: { $0.node.role == .byzantine }) else { continue }
                    for (i, don) in layout.dons.enumerated() {
                        let a = ByzantineSender(don: don, client: byz.client, producer: producers[i])
                        attackers.append(a)
                        attacking.append(Task { await a.run(interval: .milliseconds(400)) })
                    }
                    progress(String(format: "[%5.1fs] byzantine node %@ starts attacking every DON's topic", t, byz.node.peerID))
                case .byzantineStop:
                    attacking.forEach { $0.cancel() }
                    progress(String(format: "[%5.1fs] byzantine node stops", t))
                case .lateJoiner:
                    guard lateJoinerStart == nil, let node = layout.nodes.first(where: { $0.role == .lateJoiner }) else { continue }
                    lateJoinerStart = (t, produced)
                    progress(String(format: "[%5.1fs] late joiner %@ starts (heads %@)", t, node.name, produced.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: " ")))
                    running.append(try await start(node, bootstrappers: honestMembers.map(\.listen), validator: true))
                case .hostileStart:
                    if hostiles.isEmpty { try await startHostiles(t) }
                case .partitionCut:
                    if let don = event.don { try cut(don, at: t) }
                case .partitionHeal:
                    try heal(at: t)
                case .churnStart:
                    churn.nextAt = t
                }
            }
            let now = (clock.now - began).seconds
            observe(at: now)
            try await churnStep(t, until: total)
            if t >= nextProgress {
                nextProgress += 2
                await sampleAttackerScores()
                progress(progressLine(t))
            }
            // Sleep until something is due: the next scenario event, churn, the progress line, or
            // (while a catch-up or a convergence is being timed) the next look at the data dirs.
            var wake = min(total, nextProgress, churn.nextAt, timeline.nextAt ?? .infinity)
            if isTiming { wake = min(wake, now + 0.1) }
            let pause = max(0.01, wake - (clock.now - began).seconds)
            try? await Task.sleep(for: .milliseconds(Int64(pause * 1000)))
        }
        productionSeconds = (clock.now - began).seconds
        producing.forEach { $0.cancel() }
        attacking.forEach { $0.cancel() }
        producing = []
        progress(String(format: "[%5.1fs] producers stop at %@; letting the network settle", productionSeconds,
                        produced.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: " ")))
        // Settle: every honest node holds every produced report, or 15 s pass (30 s after a
        // partition that healed late).
        // A cut the timeline heals after production ends is healed now.
        if partition.cutAt != nil, partition.healedAt == nil { try heal(at: productionSeconds) }
        let settleBy = clock.now + .seconds(partition.healedAt == nil ? 15 : 30)
        while clock.now < settleBy, !stopRequested.withLockedValue({ $0 }) {
            observe(at: (clock.now - began).seconds)
            if allHeld(produced) { break }
            try? await Task.sleep(for: .milliseconds(250))
        }
    }

    /// Whether a catch-up or a post-heal convergence is being timed (the data dirs are read often).
    private var isTiming: Bool {
        (lateJoinerStart != nil && catchUpSeconds == nil) || (partition.healedAt != nil && partition.convergedAfter == nil)
    }

    /// Looks at the data dirs for what is being timed: the late joiner's catch-up, and every
    /// honest node holding every report made until the heal.
    private func observe(at t: Double) {
        if lateJoinerStart != nil, catchUpSeconds == nil { checkCatchUp(now: t) }
        if let healed = partition.healedAt, partition.convergedAfter == nil, allHeld(partition.producedAtHeal) {
            partition.convergedAfter = t - healed
            progress(String(format: "[%5.1fs] every honest node holds every report made before the heal, %.2f s after it", t, t - healed))
        }
    }

    /// Cuts `don`'s hosts off (the scenario's `partition-cut`).
    private func cut(_ don: String, at t: Double) throws {
        guard partition.cutAt == nil else { return }
        let hosts = hosts(of: don)
        for h in hosts { try layout.clusterCommand(["cut", "\(h)"]) }
        partition.cutAt = t
        partition.don = don
        progress(String(format: "[%5.1fs] partition: %@'s hosts %@ cut off", t, don, hosts.map(String.init).joined(separator: ",")))
    }

    /// Heals the cut (the scenario's `partition-heal`); from here `observe` times convergence.
    private func heal(at t: Double) throws {
        guard partition.cutAt != nil, partition.healedAt == nil, let don = partition.don else { return }
        for h in hosts(of: don) { try layout.clusterCommand(["heal", "\(h)"]) }
        partition.healedAt = t
        partition.producedAtHeal = produced
        progress(String(format: "[%5.1fs] partition healed", t))
    }

    /// The test hosts of `don`'s nodes (cluster mode).
    private func hosts(of don: String) -> [Int] {
        layout.nodes.filter { $0.don == don }.compactMap(\.host)
    }

    private func checkCatchUp(now: Double) {
        guard let start = lateJoinerStart, let late = running.first(where: { $0.node.role == .lateJoiner }) else { return }
        if holds(late, start.produced) {
            catchUpSeconds = now - start.at
            progress(String(format: "[%5.1fs] late joiner caught up: all %d earlier reports in %.2f s", now, start.produced.values.reduce(0, +), now - start.at))
        }
    }

    /// Whether every honest node's data dir holds every report of `want` (reports per DON).
    private func allHeld(_ want: [String: UInt64]) -> Bool {
        running.filter(\.node.honest).allSatisfy { holds($0, want) }
    }

    private func holds(_ r: Running, _ want: [String: UInt64]) -> Bool {
        guard let seen = try? NodeInspection.read(dataDir: r.node.dataDir, produced: want, withLog: false) else { return false }
        return want.allSatisfy { seen.held[$0.key] == Int($0.value) }
    }

    private func progressLine(_ t: Double) -> String {
        let want = produced
        let expected = want.values.reduce(0, +)
        var ratios: [Double] = []
        for w in watches {
            // A node's own DON's reports it published itself are not "delivered from the network".
            let got = w.delivered.values.reduce(0, +)
            ratios.append(expected == 0 ? 1 : Double(got) / Double(expected))
        }
        let attacks = attackers.reduce(0) { $0 + $1.counts.values.reduce(0, +) }
        var line = String(format: "[%5.1fs] produced %@ | delivered to listeners: min %.0f%% | byzantine sent %d",
                          t, want.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: " "),
                          100 * (ratios.min() ?? 0), attacks)
        if lateJoinerStart != nil { line += catchUpSeconds.map { String(format: " | late joiner caught up in %.2f s", $0) } ?? " | late joiner catching up" }
        return line
    }

    /// Peer ids of the byzantine agent and the hostile peers.
    var attackerIDs: Set<String> {
        Set(running.filter { $0.node.role == .byzantine }.map(\.node.peerID) + hostiles.map(\.peerID))
    }

    /// Notes each attacker's score on each honest node: the last one seen and the lowest.
    private func sampleAttackerScores() async {
        let ids = attackerIDs
        guard !ids.isEmpty else { return }
        for r in running where r.node.honest {
            guard let peers = try? await r.client.admin.peers(.init()) else { continue }
            for p in peers.peers where ids.contains(p.peerID) {
                let score = p.score.total
                attackerLowestScores[r.node.name, default: [:]][p.peerID] = min(attackerLowestScores[r.node.name]?[p.peerID] ?? score, score)
                attackerScores[r.node.name, default: [:]][p.peerID] = score
            }
        }
    }

    /// Live figures that need the agents running: the attackers' scores on each honest node,
    /// CPU and peak memory per agent.
    private func collectLive() async {
        await sampleAttackerScores()
        for r in running {
            cpuSeconds[r.node.name] = r.agent.cpuSeconds.map { $0 - (r.incarnations == 0 ? cpuAtStart[r.node.name] ?? 0 : 0) + r.cpuBefore }
            peakRSSKiB[r.node.name] = r.agent.peakRSSKiB
        }
    }

    // MARK: hostile peers and churn

    /// Where `p2pmq-hostile` is: beside `executable` (both are products of the package).
    static func hostileExecutable(beside executable: String) -> String {
        URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent("p2pmq-hostile").path
    }

    private func startHostiles(_ t: Double) async throws {
        let targets = honestMembers.map { $0.listen }
        for node in layout.nodes {
            guard case .hostile(let don) = node.role else { continue }
            var args = ["--listen", layout.listenAddress(node), "--don", layout.donDir(don), "--topics", layout.topics.joined(separator: ","),
                        "--attacks", options.hostileAttacks, "--interval-ms", "\(options.hostileIntervalMs)"]
            for target in targets { args += ["--target", target] }
            // At lower CPU priority: the hostile hosts share this machine's cores with the honest
            // ones, and what the run measures is the defence's cost, not the attacker's own.
            let (exe, launchArgs) = layout.launch(node, executable: "/usr/bin/nice", arguments: ["-n", "10", Self.hostileExecutable(beside: executable)] + args)
            let process = try ChildProcess(name: "hostile \(node.name)", executable: exe, arguments: launchArgs,
                                           stdout: node.dir + "/hostile.out", stderr: node.dir + "/hostile.log")
            let ready = try await process.readyLine(timeout: .seconds(30))
            guard let peer = ready["peer"] as? String else { throw DevnetError("\(node.name) printed a ready line without its peer id") }
            hostiles.append(HostileProcess(node: node, process: process, peerID: peer))
            progress(String(format: "[%5.1fs] hostile peer %@ (%@, %@) starts attacking %d agents", t, node.name, peer, DevnetLayout.describe(node.role), targets.count))
        }
    }

    /// Every `--churn`, SIGKILLs a random DON node's agent and starts it again on the same data
    /// dir and addresses (its validator stays and reconnects).
    private func churnStep(_ t: Double, until total: Double) async throws {
        guard let every = options.churn?.seconds, t >= churn.nextAt, t < total else { return }
        churn.nextAt = t + every
        let candidates = running.indices.filter { running[$0].node.don != nil }
        guard let i = candidates.randomElement() else { return }
        let r = running[i]
        running[i].cpuBefore += (r.agent.cpuSeconds ?? 0) - (r.incarnations == 0 ? cpuAtStart[r.node.name] ?? 0 : 0)
        r.agent.crash()
        churn.kills.append((t, r.node.name))
        let began = ContinuousClock.now
        let others = running.filter { $0.node.name != r.node.name }.map(\.listen)
        let agent = try await startAgent(r.node, bootstrappers: others, incarnation: r.incarnations + 1, pinned: ((try? Multiaddr(r.listen))?.transportPart.description ?? r.listen, r.grpc))
        running[i].agent = agent
        running[i].incarnations += 1
        _ = try await agent.readyLine(timeout: .seconds(30))
        let took = (ContinuousClock.now - began).seconds
        churn.restartSeconds.append(took)
        progress(String(format: "[%5.1fs] churn: %@ killed (SIGKILL) and restarted, ready in %.2f s", t, r.node.name, took))
    }

    /// Stops validators, then agents (each flushes its log), concurrently.
    func stopAll() async {
        // Hostile peers first: on SIGTERM they print what they sent.
        for h in hostiles { await h.process.stop() }
        // Never leave a host cut off.
        if partition.cutAt != nil, partition.healedAt == nil, let don = partition.don {
            for h in hosts(of: don) { try? layout.clusterCommand(["heal", "\(h)"]) }
        }
        tasks.forEach { $0.cancel() }
        for r in running { r.client.close() }
        await withTaskGroup(of: Void.self) { group in
            for r in running {
                group.addTask {
                    await r.agent.stop()
                    await r.validator?.stop()
                }
            }
        }
    }
}
