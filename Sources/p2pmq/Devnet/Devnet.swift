import AgentAPI
import DON
import Foundation
import NIOConcurrencyHelpers

/// One devnet run: starts the agents and validators, produces reports, attacks, lets a node join
/// late, and collects what happened. Every child process is stopped at the end, also on Ctrl-C.
final class Devnet: @unchecked Sendable {
    // @unchecked: the mutable fields below are touched only by `run`'s task, in sequence;
    // the signal handler only sets `stopRequested` (a locked box).
    struct Options {
        var dons = 3
        var nodes = 4
        var byzantine = 1
        var lateJoiner = true
        var duration: Duration = .seconds(30)
        var rate = 10.0
        var dir = "./devnet"
        /// cluster.sh: every node on its own test host (network namespace).
        var cluster: String?
        /// Cut this DON's hosts off from `start` for `length` (cluster mode).
        var partition: (don: String, start: Duration, length: Duration)?
    }

    /// What the partition did: when, and how long after healing every honest node held every
    /// report made until the heal.
    struct PartitionReport {
        var cutAt: Double?
        var healedAt: Double?
        var producedAtHeal: [String: UInt64] = [:]
        var convergedAfter: Double?
    }

    struct Running {
        let node: DevnetLayout.Node
        let agent: ChildProcess
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
    var byzantineScores: [String: Double] = [:]
    /// The lowest score of the byzantine peer each honest node reported while it ran.
    var byzantineLowestScores: [String: Double] = [:]
    var cpuSeconds: [String: Double] = [:]
    /// CPU and log records per agent when production started (start-up is not a report's cost).
    var cpuAtStart: [String: Double] = [:]
    var recordsAtStart: [String: Int] = [:]
    var productionSeconds = 0.0
    var partition = PartitionReport()
    let stopRequested = NIOLockedValueBox(false)
    private var tasks: [Task<Void, Never>] = []

    init(options: Options, executable: String, progress: @escaping @Sendable (String) -> Void) throws {
        self.options = options
        self.executable = executable
        self.progress = progress
        layout = try DevnetLayout.create(dir: options.dir, dons: options.dons, nodes: options.nodes,
                                         byzantine: options.byzantine, lateJoiner: options.lateJoiner, rate: options.rate, cluster: options.cluster)
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

    private func start(_ node: DevnetLayout.Node, bootstrappers: [String], validator: Bool) async throws -> Running {
        try layout.writeConfig(node, bootstrappers: bootstrappers)
        let (agentExe, agentArgs) = layout.launch(node, executable: executable, arguments: ["agent", "--config", node.configPath])
        let agent = try ChildProcess(name: "agent \(node.name)", executable: agentExe, arguments: agentArgs,
                                     stdout: node.dir + "/agent.out", stderr: node.dir + "/agent.log")
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
            producers.append(ReportProducer(don: don, publishers: publishers, rate: options.rate))
        }
        for r in honestMembers {
            let w = DeliveryWatch(node: r.node.name)
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
        var attacking: [Task<Void, Never>] = []
        var nextProgress = 2.0
        while true {
            let t = (clock.now - began).seconds
            if t >= total || stopRequested.withLockedValue({ $0 }) { break }
            // Attacks in the first half, so that the late joiner meets the honest network.
            if attacking.isEmpty, t >= total * 0.1, let byz = running.first(where: { $0.node.role == .byzantine }) {
                for (i, don) in layout.dons.enumerated() {
                    let a = ByzantineSender(don: don, client: byz.client, producer: producers[i])
                    attackers.append(a)
                    attacking.append(Task { await a.run(interval: .milliseconds(400)) })
                }
                progress(String(format: "[%5.1fs] byzantine node %@ starts attacking every DON's topic", t, byz.node.peerID))
            }
            if !attacking.isEmpty, t >= total * 0.45, attacking.contains(where: { !$0.isCancelled }) {
                attacking.forEach { $0.cancel() }
                progress(String(format: "[%5.1fs] byzantine node stops", t))
            }
            if options.lateJoiner, lateJoinerStart == nil, t >= total * 0.5, let node = layout.nodes.first(where: { $0.role == .lateJoiner }) {
                lateJoinerStart = (t, produced)
                progress(String(format: "[%5.1fs] late joiner %@ starts (heads %@)", t, node.name, produced.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: " ")))
                running.append(try await start(node, bootstrappers: honestMembers.map(\.listen), validator: true))
            }
            if lateJoinerStart != nil, catchUpSeconds == nil { checkCatchUp(now: (clock.now - began).seconds) }
            try partitionStep(t)
            if t >= nextProgress {
                nextProgress += 2
                await sampleByzantineScores()
                progress(progressLine(t))
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        productionSeconds = (clock.now - began).seconds
        producing.forEach { $0.cancel() }
        attacking.forEach { $0.cancel() }
        producing = []
        progress(String(format: "[%5.1fs] producers stop at %@; letting the network settle", productionSeconds,
                        produced.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: " ")))
        // Settle: every honest node holds every produced report, or 15 s pass (30 s after a
        // partition that healed late).
        if partition.cutAt != nil, partition.healedAt == nil { try partitionStep(.infinity) }
        let settleBy = clock.now + .seconds(partition.healedAt == nil ? 15 : 30)
        while clock.now < settleBy, !stopRequested.withLockedValue({ $0 }) {
            if lateJoinerStart != nil, catchUpSeconds == nil { checkCatchUp(now: (clock.now - began).seconds) }
            if partition.healedAt != nil, partition.convergedAfter == nil { try partitionStep((clock.now - began).seconds) }
            if allHeld(produced) { break }
            try? await Task.sleep(for: .milliseconds(250))
        }
    }

    /// Cuts the partitioned DON's hosts at its start, heals them at its end, then watches for every
    /// honest node to hold every report made until the heal. (`t` infinite: heal now.)
    private func partitionStep(_ t: Double) throws {
        guard let p = options.partition else { return }
        let hosts = partitionedHosts
        if partition.cutAt == nil, t >= p.start.seconds, t.isFinite {
            for h in hosts { try layout.clusterCommand(["cut", "\(h)"]) }
            partition.cutAt = t
            progress(String(format: "[%5.1fs] partition: %@'s hosts %@ cut off", t, p.don, hosts.map(String.init).joined(separator: ",")))
        } else if partition.cutAt != nil, partition.healedAt == nil, t >= (p.start + p.length).seconds {
            for h in hosts { try layout.clusterCommand(["heal", "\(h)"]) }
            let now = t.isFinite ? t : (partition.cutAt ?? 0) + p.length.seconds
            partition.healedAt = now
            partition.producedAtHeal = produced
            progress(String(format: "[%5.1fs] partition healed", now))
        } else if let healed = partition.healedAt, partition.convergedAfter == nil, t.isFinite {
            if allHeld(partition.producedAtHeal) {
                partition.convergedAfter = t - healed
                progress(String(format: "[%5.1fs] every honest node holds every report made before the heal, %.2f s after it", t, t - healed))
            }
        }
    }

    /// The hosts of the DON `--partition` cuts off.
    private var partitionedHosts: [Int] {
        guard let p = options.partition else { return [] }
        return layout.nodes.filter { $0.don == p.don }.compactMap(\.host)
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

    private func sampleByzantineScores() async {
        let byzIDs = Set(running.filter { $0.node.role == .byzantine }.map(\.node.peerID))
        guard !byzIDs.isEmpty else { return }
        for r in running where r.node.honest {
            guard let peers = try? await r.client.admin.peers(.init()) else { continue }
            for p in peers.peers where byzIDs.contains(p.peerID) {
                byzantineLowestScores[r.node.name] = min(byzantineLowestScores[r.node.name] ?? p.score.total, p.score.total)
            }
        }
    }

    /// Live figures that need the agents running: the byzantine peer's score on each honest node,
    /// and CPU used per agent.
    private func collectLive() async {
        let byzIDs = Set(running.filter { $0.node.role == .byzantine }.map(\.node.peerID))
        for r in running where r.node.honest {
            if let peers = try? await r.client.admin.peers(.init()) {
                for p in peers.peers where byzIDs.contains(p.peerID) { byzantineScores[r.node.name] = p.score.total }
            }
        }
        for r in running { cpuSeconds[r.node.name] = r.agent.cpuSeconds.map { $0 - (cpuAtStart[r.node.name] ?? 0) } }
    }

    /// Stops validators, then agents (each flushes its log), concurrently.
    func stopAll() async {
        // Never leave a host cut off.
        if partition.cutAt != nil, partition.healedAt == nil {
            for h in partitionedHosts { try? layout.clusterCommand(["heal", "\(h)"]) }
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
