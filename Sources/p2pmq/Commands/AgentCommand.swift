import Agent
import ArgumentParser
import Foundation
import Core
import Gossip
import Host
import Store
import Wire

struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Run the agent from a config file (--config), or a host driven by JSON lines (--stdio).",
        discussion: """
            --config FILE (or $P2PMQ_CONFIG) runs the agent: libp2p host, gossipsub, the store in
            --data-dir, and the gRPC API (ControlService, MsgRouter, ValidationRouter) on --grpc
            (default from the config, 127.0.0.1:8001). It prints one JSON line with its addresses
            when ready and stops on SIGINT/SIGTERM after flushing the log. --check only checks the
            config. See docs/CONFIGURATION.md.


            --stdio speaks the JSON-lines interface of the interop reference peers: the first stdout
            line is {"multiaddr": ".../p2p/<id>", "peer_id": "<id>"}; stdin takes
            {"topic": T, "data_hex": H} (publish), {"cmd":"dial","addr":A}, {"cmd":"peers"},
            {"cmd":"burst","topic":T,"count":N,"size":S,"rate":R} (N messages of S bytes,
            "PYB1" + u32 seq + u64 send time ns + padding, R per second, 0 = as fast as possible;
            prints {"event":"burst_done",...}), {"cmd":"quit"};
            each received message prints {"topic","from","data_hex","recv_ns"} (own messages
            only with --echo-self);
            events are printed as {"event": ...} lines (connected, disconnected, identified,
            dial_failed, peers with mesh and scores, penalty).
            Ends on quit, end of input, SIGINT or SIGTERM.
            """)

    @Flag(help: "Drive the host with JSON lines on stdin/stdout.") var stdio = false
    @Option(help: "Listen address.") var listen = "/ip4/127.0.0.1/tcp/0"
    @Option(help: "Identity file (default: a new identity).") var key: String?
    @OptionGroup var log: LogOptions
    @Option(help: "Private network key file (/key/swarm/psk/1.0.0/ format).") var psk: String?
    @Option(help: "Dial these peers at start (repeatable).") var dial: [String] = []
    @Option(help: "Subscribe to this topic (repeatable).") var topic: [String] = []
    @Option(name: .customLong("sign-policy"), help: "strict-no-sign (p2pmq default) or strict-sign (needed by py-libp2p and the go reference peer).")
    var signPolicy: SignPolicy = .strictNoSign
    @Option(help: "A direct peer (multiaddr with /p2p/): always forwarded to, never in the mesh, kept connected (repeatable).")
    var direct: [String] = []
    @Flag(name: .customLong("echo-self"), help: "Also print the messages this node publishes.") var echoSelf = false

    @Option(help: "Agent config file (YAML or JSON, the Go p2pmq's keys; default: $P2PMQ_CONFIG).") var config: String?
    @Flag(help: "With --config: check the file, print what it configures and any warnings, and exit (status 1 if invalid).")
    var check = false
    @Flag(name: .customLong("strict-config"), help: "Refuse config keys and values the Go agent would ignore or map to a default (else each gets a warning).")
    var strictConfig = false
    @OptionGroup(title: "The Go p2pmq binary's flags") var goFlags: GoAgentFlags

    @Option(name: .customLong("data-dir"), help: "Data dir (overrides the config's dataDir).") var dataDir: String?
    @Option(help: "gRPC address host:port (overrides the config's grpc; port 0 picks one).") var grpc: String?
    @Option(help: "Serve Prometheus metrics at http://ADDR/metrics (host:port; overrides the config's metrics).") var metrics: String?

    var configPath: String? { config ?? ProcessInfo.processInfo.environment["P2PMQ_CONFIG"] }

    func validate() throws {
        if check {
            guard configPath != nil else { throw ValidationError("--check needs --config FILE (or P2PMQ_CONFIG)") }
            return
        }
        guard stdio || configPath != nil else {
            throw ValidationError("give --config FILE (or P2PMQ_CONFIG), or --stdio")
        }
    }

    func run() async throws {
        if check, let path = configPath {
            print(try ConfigSummary.describe(AgentConfig.load(path: path, strict: strictConfig), path: path))
            return
        }
        if !stdio, let path = configPath {
            var grpc = self.grpc
            if grpc == nil, let port = try goFlags.resolvedGRPCPort() {
                grpc = "127.0.0.1:\(port)"
                FileHandle.standardError.write(Data("p2pmq: gRPC on 127.0.0.1:\(port), loopback only (the Go agent listens on every interface; --grpc 0.0.0.0:\(port) does that)\n".utf8))
            }
            let level = try goFlags.agentLevel() ?? log.level
            try await AgentDaemon(configPath: path, strictConfig: strictConfig, dataDir: dataDir, grpc: grpc, metrics: metrics,
                                  logLevel: level, libp2pLogLevel: try goFlags.libp2pLevel() ?? level).run()
            return
        }
        let identity = try key.map(IdentityFile.load) ?? PrivateKey.generate()
        var config = HostConfig(identity: identity)
        config.psk = try psk.map(IdentityFile.loadPSK)
        let host = P2PHost(config: config, logger: log.logger("p2pmq.host"))
        let out = StdoutLines()
        var gossip = GossipsubConfig()
        gossip.signPolicy = signPolicy
        gossip.messageIDFunction = signPolicy == .strictSign ? .fromAndSeqno : .contentHash
        let directAddresses = try direct.map { text -> Multiaddr in
            let addr = try Multiaddr(text)
            guard let peer = addr.peerID else { throw ValidationError("--direct \(text): needs a /p2p/<peer id> part") }
            gossip.directPeers.insert(peer.description)
            return addr
        }
        // Every topic is scored with the default topic parameters (P1-P4), so invalid messages
        // cost the sender score without per-topic configuration.
        var scoring = PeerScoreParams()
        scoring.defaultTopic = TopicScoreParams()
        let pubsub = PubsubService(host: host, config: gossip, scoreParams: scoring)
        await pubsub.start()
        await pubsub.addDirectPeerAddresses(directAddresses)
        for t in topic { await pubsub.subscribe(t) }
        let bound = try await host.listen(try Multiaddr(listen))
        var first = JSONLine()
        first.add("multiaddr", bound.appending(.p2p(host.peerID)).description)
        first.add("peer_id", host.peerID.description)
        first.add("impl", "p2pmq-swift")
        out.print(first.text)

        let eventTask = Task {
            for await event in host.events { out.print(Self.describe(event)) }
        }
        let deliveryTask = Task {
            let me = host.peerID.description
            for await d in pubsub.deliveries where echoSelf || d.from != me {
                var l = JSONLine()
                l.add("topic", d.topic)
                l.add("from", d.from)
                l.add("data_hex", Hex.encode(d.data))
                l.add("recv_ns", d.receivedNanoseconds)
                out.print(l.text)
            }
        }
        let penaltyTask = Task {
            for await p in pubsub.penalties {
                var l = JSONLine()
                l.add("event", "penalty")
                l.add("peer", p.peer)
                l.add("topic", p.topic)
                l.add("reason", p.reason)
                out.print(l.text)
            }
        }
        for addr in dial { Task { try? await host.dial(try Multiaddr(addr)) } }

        let commands = AsyncStream<String> { cont in
            Thread.detachNewThread {
                while let line = readLine() { cont.yield(line) }
                cont.finish()
            }
        }
        let signals = await SignalWaiter.trapping()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await line in commands {
                    if await Self.handle(line, host: host, pubsub: pubsub, out: out) == false { break }
                }
            }
            group.addTask { await signals.wait() }
            await group.next()
            group.cancelAll()
        }
        eventTask.cancel()
        deliveryTask.cancel()
        penaltyTask.cancel()
        await pubsub.stop()
        await host.close()
    }

    /// Runs one command line; false means quit.
    static func handle(_ line: String, host: P2PHost, pubsub: PubsubService, out: StdoutLines) async -> Bool {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            if !line.trimmingCharacters(in: .whitespaces).isEmpty { out.print(#"{"event":"error","error":"not a JSON object"}"#) }
            return true
        }
        if object["cmd"] == nil, let topic = object["topic"] as? String {
            guard let hex = object["data_hex"] as? String, let data = Hex.decode(hex) else {
                out.print(#"{"event":"error","error":"publish needs data_hex (hex bytes)"}"#)
                return true
            }
            await pubsub.publish(topic, data: data)
            return true
        }
        switch object["cmd"] as? String {
        case "quit":
            return false
        case "burst":
            guard let topic = object["topic"] as? String, let count = object["count"] as? Int, count >= 0 else {
                out.print(#"{"event":"error","error":"burst needs topic and count"}"#)
                return true
            }
            let size = max(16, object["size"] as? Int ?? 256), rate = object["rate"] as? Double ?? 0
            Task { await Burst(topic: topic, count: count, size: size, rate: rate).run(pubsub, out: out) }
        case "dial":
            guard let text = object["addr"] as? String else {
                out.print(#"{"event":"error","error":"dial needs addr"}"#)
                return true
            }
            Task {
                do { _ = try await host.dial(try Multiaddr(text)) } catch {
                    var l = JSONLine()
                    l.add("event", "dial_failed")
                    l.add("addr", text)
                    l.add("error", "\(error)")
                    out.print(l.text)
                }
            }
        case "peers":
            let peers = host.connections.compactMap(\.remotePeer).map(\.description)
            var l = JSONLine()
            l.add("event", "peers")
            l.addRaw("peers", "[" + Set(peers).sorted().map(JSONLine.quote).joined(separator: ",") + "]")
            let mesh = await pubsub.meshPeers()
            l.addRaw("mesh", "{" + mesh.keys.sorted().map { t in
                JSONLine.quote(t) + ":[" + mesh[t]!.map(JSONLine.quote).joined(separator: ",") + "]"
            }.joined(separator: ",") + "}")
            var scores: [String] = []
            for p in Set(peers).sorted() { scores.append(JSONLine.quote(p) + ":" + String(await pubsub.score(p))) }
            l.addRaw("scores", "{" + scores.joined(separator: ",") + "}")
            out.print(l.text)
        default:
            var l = JSONLine()
            l.add("event", "error")
            l.add("error", "unknown command (dial, peers, burst, quit)")
            out.print(l.text)
        }
        return true
    }

    static func describe(_ event: HostEvent) -> String {
        var l = JSONLine()
        switch event {
        case .connected(let peer, let addr, let inbound):
            l.add("event", "connected")
            l.add("peer", peer.description)
            l.add("addr", addr?.description ?? "")
            l.add("direction", inbound ? "inbound" : "outbound")
        case .disconnected(let peer, let reason):
            l.add("event", "disconnected")
            l.add("peer", peer.description)
            l.add("reason", reason)
        case .identified(let peer, let info):
            l.add("event", "identified")
            l.add("peer", peer.description)
            l.add("agent_version", info.agentVersion ?? "")
            l.addRaw("protocols", "[" + info.protocols.map(JSONLine.quote).joined(separator: ",") + "]")
        case .identifyServed(let peer):
            l.add("event", "identify_served")
            l.add("peer", peer.description)
        case .dialFailed(let addr, let reason):
            l.add("event", "dial_failed")
            l.add("addr", addr.description)
            l.add("error", reason)
        }
        return l.text
    }
}

/// Whole lines to stdout from any task, flushed at once (the peer on the other end reads lines).
final class StdoutLines: Sendable {
    private let lock = NSLock()
    func print(_ line: String) {
        lock.lock()
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
        lock.unlock()
    }
}
