import Foundation
import TestSupport
import Wire
import XCTest

/// mDNS on a real link: `p2pmq agent` processes in network namespaces on one bridge (multicast
/// stays inside them), found by each other and by py-libp2p's mDNS (python-zeroconf underneath),
/// with nothing configured but `mdnsTag`.
final class MDNSTests: XCTestCase {
    static let pyScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("python/mdns_peer.py").path

    func namespaces(_ count: Int) throws -> NetworkNamespaces {
        if let why = NetworkNamespaces.unavailableReason {
            if NetworkNamespaces.required { XCTFail(why) }
            throw XCTSkip(why)
        }
        let ns = try NetworkNamespaces(count: count)
        addTeardownBlock { ns.remove() }
        return ns
    }

    /// `p2pmq agent` in namespace `i`, listening on every address, gRPC on a Unix socket (the
    /// test, outside the namespace, reaches it through the file system).
    func agent(_ ns: NetworkNamespaces, _ i: Int, _ dir: TemporaryDirectory, tag: String) throws -> (AgentProcess, String) {
        let socket = "unix:" + dir.sub("a\(i).sock")
        try """
            listenAddrs: [/ip4/0.0.0.0/tcp/4001]
            mdnsTag: "\(tag)"
            pubsub:
              topics: [{name: prices}]
            validation: {whenNoValidator: accept}
            grpc: \(socket)
            """.write(toFile: dir.sub("a\(i).yaml"), atomically: true, encoding: .utf8)
        let (ip, args) = ns.command(i, Executable.path(), ["agent", "--config", dir.sub("a\(i).yaml"), "--data-dir", dir.sub("d\(i)")])
        let p = try AgentProcess(arguments: args, ready: "grpc", stderrPath: dir.sub("a\(i).err"), executable: ip)
        addTeardownBlock { _ = p.terminate() }
        return (p, socket)
    }

    /// `p2pmq peers --json` of the agent at `socket`.
    func peers(_ socket: String) throws -> [[String: Any]] {
        let r = try Executable.run(["peers", "--agent", socket, "--json"])
        guard r.status == 0 else { throw NSError(domain: "peers", code: Int(r.status), userInfo: [NSLocalizedDescriptionKey: r.stderr]) }
        return r.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    func connected(_ socket: String, to peer: String) -> [String: Any]? {
        (try? peers(socket))?.first { $0["peer_id"] as? String == peer && $0["connected"] as? Bool == true }
    }

    /// Two agents that share only an `mdnsTag` (the Go p2pmq's example tag, which is no DNS-SD
    /// service type, so the spec's `_p2p._udp.local`) find each other, mesh and pass a report.
    func testTwoAgentsInTwoNamespacesFindEachOther() async throws {
        let ns = try namespaces(2)
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let (a, socketA) = try agent(ns, 1, dir, tag: "p2pmq/mdns/test")
        let (b, socketB) = try agent(ns, 2, dir, tag: "p2pmq/mdns/test")
        let idA = try XCTUnwrap(a.first["peer_id"] as? String), idB = try XCTUnwrap(b.first["peer_id"] as? String)
        let met = await holds(within: 20) { self.connected(socketA, to: idB) != nil && self.connected(socketB, to: idA) != nil }
        XCTAssertTrue(met, (try? String(contentsOfFile: dir.sub("a1.err"), encoding: .utf8)) ?? "")
        // One of them dialed (found_by mdns); the other saw it come in.
        let ways = [connected(socketA, to: idB)?["found_by"] as? String, connected(socketB, to: idA)?["found_by"] as? String]
        XCTAssertTrue(ways.contains("mdns"), "\(ways)")
        let meshed = await holds(within: 10) { (self.connected(socketA, to: idB)?["mesh_topics"] as? [String])?.contains("prices") == true }
        XCTAssertTrue(meshed)

        try Data("eth 3000".utf8).write(to: URL(fileURLWithPath: dir.sub("m")))
        let published = try Executable.run(["publish", "--agent", socketB, "--topic", "prices", "--file", dir.sub("m")])
        XCTAssertEqual(published.status, 0, published.stderr)
        let id = published.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let arrived = await holds(within: 10) {
            let h = try? Executable.run(["history", "--data-dir", dir.sub("d1"), "--topic", "prices", "--json"])
            return h?.stdout.contains(id) == true && !id.isEmpty
        }
        XCTAssertTrue(arrived, "the report published on b is in a's log (\(id))")
        XCTAssertEqual(a.terminate(), 0)
        XCTAssertEqual(b.terminate(), 0)
    }

    /// py-libp2p's mDNS and ours: each finds the other, and our agent connects to it.
    func testAPyLibp2pMDNSPeerAndAnAgentFindEachOther() async throws {
        let python = "\(ReferencePeer.venvRoot)/py/bin/python"
        guard FileManager.default.isExecutableFile(atPath: python) else {
            if ReferencePeer.required { XCTFail("the py-libp2p venv is not set up") }
            throw XCTSkip("the py-libp2p venv is not set up")
        }
        let ns = try namespaces(2)
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        // py-libp2p announces the spec's service; `_p2p._udp` is the tag that names it.
        let (a, socketA) = try agent(ns, 1, dir, tag: "_p2p._udp")
        let idA = try XCTUnwrap(a.first["peer_id"] as? String)
        let (ip, args) = ns.command(2, python, [Self.pyScript, "--listen", "/ip4/\(ns.address(2))/tcp/4002", "--max-seconds", "90"])
        let py = try ScriptPeer(executable: ip, arguments: args)
        defer { py.stop() }
        let idPy = try XCTUnwrap(py.first["peer_id"] as? String)
        let foundUs = py.waitFor(timeout: 30) { $0["event"] as? String == "found" && $0["peer_id"] as? String == idA }
        XCTAssertNotNil(foundUs, "py-libp2p's mDNS found the agent")
        XCTAssertEqual((foundUs?["addrs"] as? [String])?.first, "/ip4/\(ns.address(1))/tcp/4001")
        let dialed = await holds(within: 30) { self.connected(socketA, to: idPy)?["found_by"] as? String == "mdns" }
        XCTAssertTrue(dialed, "the agent found py-libp2p's announcement and dialed it: \((try? peers(socketA)) ?? [])")
        let pySees = py.ask(["cmd": "peers"])?["connected"] as? [String]
        XCTAssertEqual(pySees?.contains(idA), true)
    }
}
