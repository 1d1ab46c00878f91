import Agent
import ArgumentParser
import Foundation
import Core
import Gossip
import Host
import NIOConcurrencyHelpers
import Wire

/// `p2pmq-hostile`: a hostile libp2p peer for the reliability suite (scripts/reliability.sh,
/// `p2pmq devnet --hostile`). It speaks real libp2p (Noise, yamux, gossipsub, the sync protocol)
/// so honest agents must defend at the protocol level, not at a parser's door.
@main
struct HostileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "p2pmq-hostile",
        abstract: "A hostile peer that attacks p2pmq agents (test tooling for the reliability suite).",
        discussion: """
            Connects to every --target and, every --interval, sends each of them the next attack: \
            \(HostileAttack.sent.map(\.rawValue).joined(separator: ", ")). It holds the signer keys of \
            one DON (--don, a `p2pmq don init` folder), so stale and unrealistic reports carry a \
            valid quorum. It also serves /p2pmq/sync/1.0.0 and lies there (lying_sync): heads \
            \(LyingSyncServer.lead) seqs ahead and forged records; and serves the Kademlia DHT \
            (--dht-prefix) and lies there (dht_lies): hundreds of made-up peers and providers per \
            answer, at addresses where nobody answers. Prints a ready line, then on \
            SIGTERM/SIGINT or after --duration a JSON summary of what it sent, on stdout.
            """)

    @Option(help: "Where to listen (multiaddr).") var listen = "/ip4/127.0.0.1/tcp/0"
    @Option(name: .customLong("target"), help: "An honest agent's address with /p2p/<id>; repeat for more.") var targets: [String] = []
    @Option(help: "The compromised DON's folder (don.json and signer-<i>.key).") var don: String
    @Option(help: "Topics to subscribe to besides the DON's (comma-separated).") var topics = ""
    @Option(help: "Attacks: all, or a comma-separated list.") var attacks = "all"
    @Option(help: "Milliseconds between turns.") var intervalMs = 200
    @Option(help: "Seconds to run (0: until a signal).") var seconds = 0.0
    @Option(help: "The honest agents' DHT protocol prefix (their discovery.protocolPrefix).") var dhtPrefix = "p2pmq"

    func validate() throws {
        guard HostileAttack.parse(attacks) != nil else {
            throw ValidationError("--attacks: all, or names from \(HostileAttack.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard !targets.isEmpty else { throw ValidationError("name at least one --target") }
        guard intervalMs >= 1 else { throw ValidationError("--interval-ms must be at least 1") }
    }

    func run() async throws {
        let chosen = HostileAttack.parse(attacks)!
        let forge: ReportForge
        do { forge = try ReportForge(donDir: don) } catch { throw ValidationError("--don \(don): \(error)") }
        let targetAddrs = try targets.map { t -> Multiaddr in
            guard let a = try? Multiaddr(t), a.peerID != nil else { throw ValidationError("--target \(t) is not a multiaddr with /p2p/<id>") }
            return a
        }
        let host = P2PHost(config: HostConfig(identity: PrivateKey.generate()))
        let peek = SyncPeek()
        let learned = LearnedIDs()
        let liar = LyingSyncServer(forge: forge, peek: peek)
        if chosen.contains(.lyingSync) { liar.install(on: host) }
        let dhtLiar = LyingDHTServer()
        if chosen.contains(.dhtLies) { dhtLiar.install(on: host, protocolPrefix: dhtPrefix) }
        // Agents open their own gossip stream to us: read it (real ids for IWANT floods).
        for proto in [PubsubProtocol.meshsub11, .meshsub12, .meshsub10] {
            host.registry.set(proto.rawValue) { stream in
                while let frame = try? await stream.readMessage(maxLength: 4 << 20) {
                    if let rpc = try? GossipsubRouter.RPC(serializedBytes: frame) { learned.note(rpc) }
                }
            }
        }
        let listening = try await host.listen(try Multiaddr(listen))
        let asProvider = KadProtocol.peer(host.peerID, [listening])
        emit(["event": "ready", "peer": host.peerID.description, "listen": [listening.appending(.p2p(host.peerID)).description]])

        let allTopics = [forge.topic] + topics.split(separator: ",").map(String.init).filter { $0 != forge.topic }
        let sessions = NIOLockedValueBox([HostileSession]())
        let failures = NIOLockedValueBox([String: String]())
        let work = Task {
            await withTaskGroup(of: Void.self) { group in
                for target in targetAddrs {
                    group.addTask {
                        await attack(target, host: host, forge: forge, topics: allTopics, peek: peek, learned: learned,
                                     attacks: chosen.filter { !HostileAttack.served.contains($0) }, sessions: sessions, failures: failures,
                                     dht: (KadProtocol.id(prefix: dhtPrefix), asProvider))
                    }
                }
            }
        }
        let signals = await SignalWaiter.trapping()
        let stop = Task {
            if seconds > 0 { try? await Task.sleep(for: .seconds(seconds)) } else { await signals.wait() }
        }
        await stop.value
        work.cancel()
        var sent: [String: Int] = [:]
        for s in sessions.withLockedValue({ $0 }) { sent.merge(s.sent, uniquingKeysWith: +) }
        let lies = liar.counts, dhtLies = dhtLiar.counts
        emit(["event": "summary", "peer": host.peerID.description, "sent": sent,
              "lying_sync": ["range_requests": lies.requests, "forged_records": lies.records],
              "dht_lies": ["requests": dhtLies.requests, "peers_named": dhtLies.peersNamed],
              "targets": targetAddrs.count, "sessions": sessions.withLockedValue { $0.count },
              "failures": failures.withLockedValue { $0 }])
        await host.close()
    }

    /// Connects to one agent (retrying until it is up), then attacks it in turn until cancelled,
    /// reconnecting when the agent drops the connection.
    private func attack(_ target: Multiaddr, host: P2PHost, forge: ReportForge, topics: [String], peek: SyncPeek, learned: LearnedIDs,
                        attacks: [HostileAttack], sessions: NIOLockedValueBox<[HostileSession]>, failures: NIOLockedValueBox<[String: String]>,
                        dht: (protocolID: String, asProvider: Dht_Pb_Message.Peer)) async {
        var turn = 0
        while !Task.isCancelled {
            do {
                let connection = try await host.dial(target)
                await peek.refresh(over: connection, topic: forge.topic, don: forge.config.id)
                let session = try await HostileSession(target: target, connection: connection, forge: forge, topics: topics, peek: peek, learned: learned,
                                                       dhtProtocol: dht.protocolID, asProvider: dht.asProvider)
                sessions.withLockedValue { $0.append(session) }
                while !Task.isCancelled {
                    guard !attacks.isEmpty else {
                        // Only lying (sync, DHT): stay connected (agents ask peers on connection) and
                        // keep the heads the lies are built on fresh.
                        try await Task.sleep(for: .seconds(1))
                        await peek.refresh(over: connection, topic: forge.topic, don: forge.config.id)
                        continue
                    }
                    let attack = attacks[turn % attacks.count]
                    turn += 1
                    if turn % attacks.count == 0 { await peek.refresh(over: connection, topic: forge.topic, don: forge.config.id) }
                    try await session.run(attack, turn: turn)
                    try await Task.sleep(for: .milliseconds(intervalMs))
                }
            } catch {
                failures.withLockedValue { $0[target.description] = "\(error)" }
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    private func emit(_ object: [String: Any]) {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return }
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }
}
