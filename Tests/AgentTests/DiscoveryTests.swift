import Agent
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

    /// Polls `condition` until it holds or `seconds` pass.
    func eventually(_ seconds: Double, _ condition: () async -> Bool) async -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(200))
        }
        return await condition()
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
        defer { Task { await b.stop(); await c.stop(); await boot.stop() } }
        let met = await eventually(45) { !b.host.connections(to: c.host.peerID).isEmpty }
        XCTAssertTrue(met, "b and c found each other through the bootstrapper's provider records")
        let meshed = await eventually(10) { (await b.pubsub.meshPeers()["t"] ?? []).contains(c.host.peerID.description) }
        XCTAssertTrue(meshed, "and share a mesh on their topic")
        // Peer routing: c's addresses through the DHT (b asks as if it had never met c).
        let addrs = await b.dht?.findPeer(c.host.peerID)
        XCTAssertFalse(addrs?.isEmpty ?? true)
        let table = await boot.dht?.routingTable.map(\.peer) ?? []
        XCTAssertTrue(Set(table).isSuperset(of: [b.host.peerID, c.host.peerID]), "the bootstrapper's table holds both")
    }
}
