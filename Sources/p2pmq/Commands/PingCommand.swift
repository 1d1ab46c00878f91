import ArgumentParser
import Foundation
import Host
import Store
import Wire

struct PingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ping",
        abstract: "Dial a libp2p peer, show its identify and round-trip times, like ping.",
        discussion: "Example: p2pmq ping /ip4/127.0.0.1/tcp/4001/p2p/12D3KooW... --count 5")

    @Argument(help: "The peer's multiaddr (with /p2p/ID to check its identity).") var address: String
    @Option(help: "Number of pings.") var count = 4
    @Option(help: "Seconds between pings.") var interval = 1.0
    @Option(help: "Identity file (default: a throwaway identity).") var key: String?
    @OptionGroup var log: LogOptions
    @Option(help: "Private network key file (/key/swarm/psk/1.0.0/ format).") var psk: String?
    @Flag(help: "One JSON object per line.") var json = false

    func run() async throws {
        let addr: Multiaddr
        do { addr = try Multiaddr(address) } catch { throw ValidationError("\(error)") }
        let identity = try key.map(IdentityFile.load) ?? PrivateKey.generate()
        var config = HostConfig(identity: identity)
        config.psk = try psk.map(IdentityFile.loadPSK)
        let host = P2PHost(config: config, logger: log.logger("p2pmq.host"))
        defer { Task { await host.close() } }
        let connection = try await host.dial(addr)
        guard let peer = connection.remotePeer else { throw HostError(.closed, "no peer") }
        let info = await identified(host, peer)
        if json {
            var line = JSONLine()
            line.add("peer_id", peer.description)
            line.add("agent_version", info?.agentVersion ?? "")
            line.add("protocol_version", info?.protocolVersion ?? "")
            line.addRaw("protocols", "[" + (info?.protocols ?? []).map(JSONLine.quote).joined(separator: ",") + "]")
            line.addRaw("listen_addrs", "[" + (info?.addresses ?? []).map { JSONLine.quote($0.description) }.joined(separator: ",") + "]")
            print(line.text)
        } else {
            print("PING \(addr)")
            print("peer id:    \(peer)")
            if let info {
                print("agent:      \(info.agentVersion ?? "?") (\(info.protocolVersion ?? "?"))")
                print("protocols:  \(info.protocols.joined(separator: ", "))")
                print("listening:  \(info.addresses.map(\.description).joined(separator: ", "))")
            } else {
                print("identify:   no answer within 5 s")
            }
        }
        let rtts = try await Ping.run(on: connection, count: count, interval: .milliseconds(Int(interval * 1000)))
        for (i, rtt) in rtts.enumerated() {
            if json {
                var line = JSONLine()
                line.add("seq", i + 1)
                line.add("rtt_ms", rtt * 1000)
                print(line.text)
            } else {
                print(String(format: "pong %d: time=%.3f ms", i + 1, rtt * 1000))
            }
        }
        if !json, !rtts.isEmpty {
            let ms = rtts.map { $0 * 1000 }
            print(String(format: "--- %d pings: min/avg/max = %.3f/%.3f/%.3f ms", ms.count, ms.min()!, ms.reduce(0, +) / Double(ms.count), ms.max()!))
        }
        connection.close()
    }

    /// The peer's identify, waiting up to 5 s for it to arrive.
    private func identified(_ host: P2PHost, _ peer: PeerID) async -> PeerInfo? {
        for _ in 0..<100 {
            if let info = host.peerStore.info(peer), info.agentVersion != nil || !info.protocols.isEmpty { return info }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }
}
