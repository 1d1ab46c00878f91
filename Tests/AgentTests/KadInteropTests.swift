import Agent
import AgentAPI
import Core
import Discovery
import Foundation
import TestSupport
import Wire
import XCTest

/// Our DHT against py-libp2p's (`libp2p.kad_dht.KadDHT`, driven by python/kad_peer.py): a DHT
/// nobody here wrote bootstraps our agents, asks ours, and trades provider records with it.
final class KadInteropTests: XCTestCase {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("python/kad_peer.py").path

    func pyPeer(_ args: [String] = []) throws -> ScriptPeer {
        let python = "\(ReferencePeer.venvRoot)/py/bin/python"
        guard FileManager.default.isExecutableFile(atPath: python) else {
            if ReferencePeer.required { XCTFail("the py-libp2p venv is not set up") }
            throw XCTSkip("the py-libp2p venv is not set up")
        }
        return try ScriptPeer(executable: python, arguments: [Self.script] + args)
    }

    /// An agent on the public DHT's protocol (py-libp2p 0.8.1 speaks only /ipfs/kad/1.0.0).
    func agent(_ dir: TemporaryDirectory, _ name: String, bootstrap: [String]) throws -> AgentNode {
        var config = try localConfig(dir, name)
        config.dhtEnabled = true
        config.discoveryMode = .server
        config.protocolPrefix = "/ipfs"
        config.bootstrappers = try bootstrap.map(Multiaddr.init)
        config.whenNoValidator = .accept
        return try AgentNode(config: config, identity: PrivateKey.generate())
    }


    /// (a) Two agents that know only a py-libp2p DHT node (which runs no gossipsub) find each
    /// other through it and exchange a message on their topic within 60 s.
    func testAgentsMeetThroughAPyLibp2pDHTNode() async throws {
        let py = try pyPeer()
        defer { py.stop() }
        let pyAddr = try XCTUnwrap((py.first["addrs"] as? [String])?.first)
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let b = try agent(dir, "b", bootstrap: [pyAddr]), c = try agent(dir, "c", bootstrap: [pyAddr])
        _ = try await b.start()
        _ = try await c.start()
        addTeardownBlock { await b.stop(); await c.stop() }
        let started = Date()
        let meshed = await holds(within: 60) { (await c.pubsub.meshPeers()["t"] ?? []).contains(b.host.peerID.description) }
        XCTAssertTrue(meshed, "b and c meet through the py-libp2p DHT's provider records")
        let (_, messages) = await c.listen(topics: ["t"])
        let got = Task { () -> String? in
            for await m in messages { return String(decoding: m.data, as: UTF8.self) }
            return nil
        }
        let box = Received()
        Task { await box.set(await got.value) }
        var n = 0
        let received = await holds(within: max(5, 60 - Date().timeIntervalSince(started))) {
            n += 1
            _ = try? await b.publish(topic: "t", data: Array("through py's DHT \(n)".utf8))
            return await box.value != nil
        }
        got.cancel()
        XCTAssertTrue(received, "a message from b reached c's listener")
        let text = await box.value
        XCTAssertTrue(text?.hasPrefix("through py's DHT") ?? false, "\(text ?? "nothing")")
        let pyTable = py.ask(["cmd": "table"])?["peers"] as? [String] ?? []
        XCTAssertTrue(Set(pyTable).isSuperset(of: [b.host.peerID.description, c.host.peerID.description]), "py's table holds both agents: \(pyTable)")
    }

    /// (b) A py-libp2p DHT client that knows only our agent finds another agent's address
    /// through our FIND_NODE answers.
    func testAPyLibp2pClientFindsAPeerThroughOurAnswers() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let a = try agent(dir, "a", bootstrap: []), other = try agent(dir, "o", bootstrap: [])
        let addrA = try await a.start()
        let addrO = try await other.start()
        addTeardownBlock { await a.stop(); await other.stop() }
        _ = try await other.host.dial(addrA[0])
        let known = await holds(within: 10) { await a.dht?.routingTable.contains { $0.peer == other.host.peerID } ?? false }
        XCTAssertTrue(known, "a's table holds the other agent (identify said it serves the DHT)")
        let py = try pyPeer(["--mode", "client", "--bootstrap", addrA[0].description])
        defer { py.stop() }
        let answer = try XCTUnwrap(py.ask(["cmd": "find_peer", "peer": other.host.peerID.description]))
        let addrs = answer["addrs"] as? [String] ?? []
        let port = addrO[0].hostAndPort?.1
        XCTAssertTrue(addrs.contains { $0.contains("/tcp/\(port ?? 0)") }, "py found \(addrs), the agent listens on \(addrO)")
    }

    /// (c) Provider records put by py-libp2p are found by our agent, and the reverse.
    func testProviderRecordsBothWays() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let a = try agent(dir, "a", bootstrap: [])
        let addrA = try await a.start()
        addTeardownBlock { await a.stop() }
        let py = try pyPeer(["--bootstrap", addrA[0].description])
        defer { py.stop() }
        let pyID = try PeerID(try XCTUnwrap(py.first["peer_id"] as? String))
        let inTable = await holds(within: 10) { await a.dht?.routingTable.contains { $0.peer == pyID } ?? false }
        XCTAssertTrue(inTable)

        let theirs = TopicRendezvous.key(topic: "provided-by-py")
        XCTAssertEqual(py.ask(["cmd": "provide", "key": Hex.encode(theirs)])?["ok"] as? Bool, true)
        let found = await a.dht?.findProviders(theirs) ?? []
        XCTAssertTrue(found.contains { $0.0 == pyID }, "our agent finds py's record: \(found.map(\.0))")

        let ours = TopicRendezvous.key(topic: "provided-by-us")
        let stored = await a.dht?.provide(ours) ?? 0
        XCTAssertGreaterThan(stored, 0, "py took our record")
        let providers = py.ask(["cmd": "find_providers", "key": Hex.encode(ours)])?["providers"] as? [[String: Any]] ?? []
        XCTAssertTrue(providers.contains { $0["peer_id"] as? String == a.host.peerID.description }, "py finds ours: \(providers)")
    }
}

private actor Received {
    var value: String?
    func set(_ v: String?) { value = v }
}
