import Agent
import AgentAPI
import Core
import Discovery
import Foundation
import TestSupport
import Wire
import XCTest

/// Agents that share nothing but a bootstrap node find each other through the Kademlia DHT
/// (real hosts on 127.0.0.1): topic rendezvous by provider records, peer routing by FIND_NODE.
final class DiscoveryTests: XCTestCase {
    func dhtConfig(_ dir: TemporaryDirectory, _ name: String, bootstrap: [Multiaddr], topics: [String] = ["t"]) throws -> AgentConfig {
        var config = try localConfig(dir, name)
        config.topics = topics.map { AgentConfig.TopicConfig(name: $0) }
        config.dhtEnabled = true
        config.discoveryMode = .server
        config.bootstrappers = bootstrap
        return config
    }


    func testTwoAgentsThatKnowOnlyABootstrapperMeetOnTheirTopic() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let boot = try AgentNode(config: try dhtConfig(dir, "boot", bootstrap: [], topics: []), identity: PrivateKey.generate())
        let bootAddr = try await boot.start()
        let b = try AgentNode(config: try dhtConfig(dir, "b", bootstrap: bootAddr), identity: PrivateKey.generate())
        let c = try AgentNode(config: try dhtConfig(dir, "c", bootstrap: bootAddr), identity: PrivateKey.generate())
        _ = try await b.start()
        _ = try await c.start()
        addTeardownBlock { await b.stop(); await c.stop(); await boot.stop() }
        let met = await holds(within: 45) { !b.host.connections(to: c.host.peerID).isEmpty }
        XCTAssertTrue(met, "b and c found each other through the bootstrapper's provider records")
        let meshed = await holds(within: 10) { (await b.pubsub.meshPeers()["t"] ?? []).contains(c.host.peerID.description) }
        XCTAssertTrue(meshed, "and share a mesh on their topic")
        // Peer routing: c's addresses through the DHT (b asks as if it had never met c).
        let addrs = await b.dht?.findPeer(c.host.peerID)
        XCTAssertFalse(addrs?.isEmpty ?? true)
        let table = await boot.dht?.routingTable.map(\.peer) ?? []
        XCTAssertTrue(Set(table).isSuperset(of: [b.host.peerID, c.host.peerID]), "the bootstrapper's table holds both")

        // What an operator sees of it: `p2pmq peers` and `p2pmq dht` through b's Admin API.
        let server = AgentServer(node: b, host: "127.0.0.1", port: 0)
        let serving = Task { try await server.serve() }
        defer { serving.cancel() }
        let agent = "127.0.0.1:\(try await server.port())"
        let peers = try Executable.run(["peers", "--agent", agent, "--json"])
        XCTAssertEqual(peers.status, 0, peers.stderr)
        let lines = peers.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let foundBy = Dictionary(uniqueKeysWithValues: lines.map { ($0["peer_id"] as? String ?? "", $0["found_by"] as? String ?? "") })
        XCTAssertEqual(foundBy[boot.host.peerID.description], "bootstrap")
        XCTAssertTrue(["dht", "inbound"].contains(foundBy[c.host.peerID.description] ?? ""), "c was found by the DHT (or dialed b first): \(foundBy)")
        let routing = try Executable.run(["dht", "routing-table", "--agent", agent, "--json"])
        XCTAssertEqual(routing.status, 0, routing.stderr)
        XCTAssertTrue(routing.stdout.contains(boot.host.peerID.description) && routing.stdout.contains(#""protocol":"p2pmq/kad/1.0.0""#), routing.stdout)
        let providers = try Executable.run(["dht", "providers", "t", "--agent", agent, "--json"])
        XCTAssertTrue(providers.stdout.contains(c.host.peerID.description), providers.stdout + providers.stderr)
        let unknown = try Executable.run(["dht", "find-peer", "not-a-peer", "--agent", agent])
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.stderr.contains("not a peer id"), unknown.stderr)
    }

    /// (d) Thirty agents that each know only one bootstrapper reach full topic meshes (at least
    /// D_lo peers each) through topic rendezvous; the time it took is printed for the notes.
    func testThirtyAgentsFromOneBootstrapperFormFullMeshes() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let boot = try AgentNode(config: try dhtConfig(dir, "boot", bootstrap: [], topics: []), identity: PrivateKey.generate())
        let bootAddr = try await boot.start()
        var agents: [AgentNode] = []
        let started = Date()
        for i in 0..<30 {
            let a = try AgentNode(config: try dhtConfig(dir, "a\(i)", bootstrap: bootAddr), identity: PrivateKey.generate())
            _ = try await a.start()
            agents.append(a)
        }
        let allStarted = Date().timeIntervalSince(started)
        let all = agents
        addTeardownBlock { for a in all { await a.stop() }; await boot.stop() }
        let dLow = agents[0].config.gossip.dLow
        var lowest = 0
        let full = await holds(within: 120) {
            var sizes: [Int] = []
            for a in agents { sizes.append(await a.pubsub.meshPeers()["t"]?.count ?? 0) }
            lowest = sizes.min() ?? 0
            if ProcessInfo.processInfo.environment["P2PMQ_TRACE_MESHES"] != nil {
                var conns: [Int] = []
                for a in agents { conns.append(Set(a.host.connections.compactMap(\.remotePeer)).count) }
                print(String(format: "%5.1f s", Date().timeIntervalSince(started)), "mesh", sizes.sorted(), "conns", conns.sorted())
            }
            return lowest >= dLow
        }
        let seconds = Date().timeIntervalSince(started)
        print("discovery: 30 agents from one bootstrapper formed meshes of at least \(dLow) in \(String(format: "%.1f", seconds)) s from the first agent's start (all 30 were started after \(String(format: "%.1f", allStarted)) s)")
        XCTAssertTrue(full, "the smallest mesh has \(lowest) peers after \(seconds) s")
    }
}
