import AgentAPI
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Host
import TestSupport
import Wire
import XCTest

/// A Go p2pmq operator's things, unchanged: its example configs, its keygen's keys, its binary's
/// command line (`pmq`, flags and environment), its pubsub trace file, and a Go gRPC client.
final class GoDropInTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/go-p2pmq")
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var goPython: String { ReferencePeer.venvRoot + "/go/bin/python" }
    static var grpcPython: String { ReferencePeer.venvRoot + "/grpc/bin/python" }

    /// Skips (or, where CI requires the reference tools, fails) when `path` is not there.
    func require(_ path: String, _ what: String) throws {
        guard FileManager.default.isExecutableFile(atPath: path) else {
            if ReferencePeer.required { XCTFail("\(what) is not set up (\(path))") }
            throw XCTSkip("\(what) is not set up (\(path))")
        }
    }

    static func admin<T: Sendable>(_ grpc: String, _ body: @Sendable @escaping (Proto_Admin.Client<HTTP2ClientTransport.Posix>) async throws -> T) async throws -> T {
        let port = Int(grpc.split(separator: ":").last ?? "") ?? 0
        return try await withGRPCClient(transport: .http2NIOPosix(target: .ipv4(host: "127.0.0.1", port: port), transportSecurity: .plaintext)) { client in
            try await body(Proto_Admin.Client(wrapping: client))
        }
    }

    /// Waits until the agent at `grpc` has at least `count` peers.
    static func waitForPeers(_ grpc: String, _ count: Int, seconds: Double = 20) async throws -> Int {
        let deadline = Date().addingTimeInterval(seconds)
        var peers = 0
        while Date() < deadline {
            peers = Int(try await admin(grpc) { try await $0.health(.init()).peers })
            if peers >= count { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        return peers
    }

    // MARK: configs and command line

    /// Both of the Go repository's example configs start agents, and the second finds the first
    /// through its bootstrapper list. The bootstrapper runs as `pmq` with GRPC_PORT and
    /// P2PMQ_CONFIG; the other with `-grpc-port` in the Go binary's single-dash form.
    func testTheGoExampleConfigsStartAgentsThroughThePmqCommandLine() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let pmq = dir.sub("pmq")
        try FileManager.default.createSymbolicLink(atPath: pmq, withDestinationPath: Executable.path())
        let port = try RawTCP.freePort()
        let boot = try AgentProcess(arguments: ["--data-dir", dir.sub("boot-data")], ready: "grpc", stderrPath: dir.sub("boot.err"), executable: pmq,
                                    environment: ["GRPC_PORT": "\(port)", "P2PMQ_CONFIG": Self.fixtures.appendingPathComponent("bootstrapper.p2pmq.yaml").path,
                                                  "P2PMQ_LOGLEVEL": "info"])
        defer { _ = boot.terminate() }
        XCTAssertEqual(boot.first["grpc"] as? String, "127.0.0.1:\(port)", "GRPC_PORT, on loopback")
        let bootLog = try String(contentsOfFile: dir.sub("boot.err"), encoding: .utf8)
        XCTAssertTrue(bootLog.contains("'discovery.serviceTag' (line 4)"), bootLog)
        XCTAssertTrue(bootLog.contains("loopback only"), bootLog)

        // The Go default config, with its bootstrapper entry pointed at the running one.
        let text = try String(contentsOf: Self.fixtures.appendingPathComponent("default.p2pmq.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "/ip4/0.0.0.0/tcp/5001/p2p/12D3KooWNBpcEZvtNLkAuHf3RdsRcokeQQNc2WrgU7iHipwVAKWM", with: boot.multiaddr)
        try text.write(toFile: dir.sub("default.p2pmq.yaml"), atomically: true, encoding: .utf8)
        let server = try AgentProcess(arguments: ["-config", dir.sub("default.p2pmq.yaml"), "-grpc-port", "0", "-loglevel", "warn", "--data-dir", dir.sub("server-data")],
                                      ready: "grpc", executable: pmq)
        defer { _ = server.terminate() }
        let peers = try await Self.waitForPeers(server.first["grpc"] as! String, 1)
        XCTAssertEqual(peers, 1, "connected to the bootstrapper")
        XCTAssertEqual(server.terminate(), 0)
        XCTAssertEqual(boot.terminate(), 0)
    }

    /// Bad Go flags fail clearly; --strict-config refuses what the Go agent would ignore.
    func testGoFlagsAreChecked() throws {
        let config = Self.fixtures.appendingPathComponent("bootstrapper.p2pmq.yaml").path
        let level = try Executable.run(["agent", "--config", config, "--loglevel", "loud"], timeout: 30)
        XCTAssertNotEqual(level.status, 0)
        XCTAssertTrue(level.stderr.contains("--loglevel loud: not a log level"), level.stderr)
        let port = try Executable.run(["agent", "--config", config, "--grpc-port", "70000"], timeout: 30)
        XCTAssertTrue(port.stderr.contains("not a port"), port.stderr)
        let strict = try Executable.run(["agent", "--config", config, "--check", "--strict-config"], timeout: 30)
        XCTAssertEqual(strict.status, 1)
        XCTAssertTrue(strict.stderr.contains("'discovery.serviceTag' (line 4): unknown key"), strict.stderr)
        let lenient = try Executable.run(["agent", "--config", config, "--check"], timeout: 30)
        XCTAssertEqual(lenient.status, 0, lenient.stderr)
        XCTAssertTrue(lenient.stdout.contains("discovery          mode auto"), lenient.stdout)
    }

    // MARK: keys

    /// A key made by go-libp2p and written as the Go keygen writes it (base64, no padding) has the
    /// same peer id here; our keygen's key has the same peer id in go-libp2p.
    func testKeysKeepTheirPeerIDAcrossImplementations() throws {
        try require(Self.goPython, "the libp2p-go wheel (go-libp2p)")
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let script = """
            import base64, sys
            from libp2p.crypto import PrivKey, KeyType, crypto_generate_keypair
            from libp2p.peer import Peer
            if len(sys.argv) > 1:
                text = sys.argv[1]
                sk = PrivKey.unmarshal(base64.b64decode(text + "=" * (-len(text) % 4)))
                print(Peer.from_private_key(sk).string)
            else:
                sk, _ = crypto_generate_keypair(KeyType.Ed25519, 0)
                print(base64.b64encode(sk.marshal()).decode().rstrip("="), Peer.from_private_key(sk).string)
            """
        try script.write(toFile: dir.sub("keys.py"), atomically: true, encoding: .utf8)
        func python(_ args: [String]) throws -> String {
            try Executable.run(program: Self.goPython, [dir.sub("keys.py")] + args).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let made = try python([]).split(separator: " ").map(String.init)
        XCTAssertEqual(made.count, 2, "\(made)")
        XCTAssertFalse(made[0].hasSuffix("="), "the Go form has no padding")
        try "privateKey: \(made[0])\nlistenAddrs: [/ip4/127.0.0.1/tcp/0]\n".write(toFile: dir.sub("go.yaml"), atomically: true, encoding: .utf8)
        let id = try Executable.run(["id", "--config", dir.sub("go.yaml")])
        XCTAssertEqual(id.status, 0, id.stderr)
        XCTAssertEqual(id.stdout.trimmingCharacters(in: .whitespacesAndNewlines), made[1], "go-libp2p's peer id for the same key")

        let ours = try Executable.run(["keygen", "--json"])
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(ours.stdout.utf8)) as? [String: String])
        let key = try XCTUnwrap(object["private_key"])
        XCTAssertFalse(key.hasSuffix("="), "keygen writes the Go form")
        XCTAssertEqual(try python([key]), object["peer_id"], "go-libp2p reads our key and finds our peer id")
    }

    // MARK: trace

    /// `pubsub.trace.jsonFile`: a small run of three agents and a peer that takes no pubsub stream
    /// writes every event type, each line readable with trace.proto by protobuf's own JSON parser.
    func testTheTraceFileHasEveryEventTypeInGosFormat() async throws {
        try require(Self.grpcPython, "the grpcio venv")
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let trace = dir.sub("trace.json")
        try """
            listenAddrs: [/ip4/127.0.0.1/tcp/0]
            pubsub:
              topics: [{name: prices}]
              overlay: {heartbeatInterval: 200ms}
              trace: {jsonFile: \(trace)}
            validation: {whenNoValidator: ignore}
            grpc: 127.0.0.1:0
            """.write(toFile: dir.sub("a.yaml"), atomically: true, encoding: .utf8)
        let a = try AgentProcess(arguments: ["agent", "--config", dir.sub("a.yaml"), "--data-dir", dir.sub("a-data")], ready: "grpc")
        defer { _ = a.terminate() }
        var others: [AgentProcess] = []
        defer { for o in others { _ = o.terminate() } }
        for name in ["b", "c"] {
            try """
                listenAddrs: [/ip4/127.0.0.1/tcp/0]
                discovery: {bootstrappers: [\(([a] + others).map { "\"\($0.multiaddr)\"" }.joined(separator: ", "))]}
                pubsub: {topics: [{name: prices}], overlay: {heartbeatInterval: 200ms}}
                validation: {whenNoValidator: accept}
                grpc: 127.0.0.1:0
                """.write(toFile: dir.sub("\(name).yaml"), atomically: true, encoding: .utf8)
            others.append(try AgentProcess(arguments: ["agent", "--config", dir.sub("\(name).yaml"), "--data-dir", dir.sub("\(name)-data")], ready: "grpc"))
        }
        // A peer that opens a pubsub stream to A but takes none: what A sends it is dropped.
        let half = P2PHost(config: HostConfig(identity: .generate()))
        let connection = try await half.dial(try Multiaddr(a.multiaddr))
        let stream = try await connection.openStream(["/meshsub/1.1.0"])
        let peersOfA = try await Self.waitForPeers(a.first["grpc"] as! String, 3)
        XCTAssertEqual(peersOfA, 3)
        try await Task.sleep(for: .seconds(1))  // meshes form

        func control(_ agent: AgentProcess, _ body: @Sendable @escaping (Proto_ControlService.Client<HTTP2ClientTransport.Posix>) async throws -> Void) async throws {
            let port = Int((agent.first["grpc"] as! String).split(separator: ":").last!)!
            try await withGRPCClient(transport: .http2NIOPosix(target: .ipv4(host: "127.0.0.1", port: port), transportSecurity: .plaintext)) { client in
                try await body(Proto_ControlService.Client(wrapping: client))
            }
        }
        // B's messages reach A from B and again from C (duplicates); A has no validator
        // (REJECT_MESSAGE "validation ignored"). A's own are published and delivered.
        try await control(others[0]) { c in for i in 0..<5 { _ = try await c.publish(.with { $0.topic = "prices"; $0.data = Data("b \(i)".utf8) }) } }
        try await control(a) { c in _ = try await c.publish(.with { $0.topic = "prices"; $0.data = Data("a".utf8) }) }
        try await Task.sleep(for: .seconds(1))
        XCTAssertEqual(others[1].terminate(), 0)  // REMOVE_PEER
        try await control(a) { c in _ = try await c.unsubscribe(.with { $0.topic = "prices" }) }  // LEAVE, PRUNE
        try await Task.sleep(for: .milliseconds(500))
        await stream.reset()
        await half.close()
        XCTAssertEqual(a.terminate(), 0)  // the trace file is flushed and closed

        let reader = Self.root.appendingPathComponent("Tests/AgentTests/python/read_trace.py").path
        let text = try Executable.run(program: Self.grpcPython, [reader, trace, Self.root.appendingPathComponent("proto").path]).stdout
        let result = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], text)
        XCTAssertTrue(result["error"] is NSNull, "\(result["error"] ?? "")")
        let counts = result["counts"] as? [String: Int] ?? [:]
        for type in ["PUBLISH_MESSAGE", "DELIVER_MESSAGE", "REJECT_MESSAGE", "DUPLICATE_MESSAGE", "JOIN", "LEAVE", "GRAFT", "PRUNE",
                     "ADD_PEER", "REMOVE_PEER", "RECV_RPC", "SEND_RPC", "DROP_RPC"] {
            XCTAssertGreaterThan(counts[type] ?? 0, 0, "\(type) is in the trace: \(counts)")
        }
        XCTAssertEqual((result["reasons"] as? [String: Int])?["validation ignored"], 5, "\(result)")
    }

    // MARK: a Go client

    /// A Go program of our own, built against Debian's grpc-go from proto/p2pmq/api/api.proto,
    /// subscribes, publishes, listens and validates (ACCEPT and REJECT) against two agents.
    func testAGoGRPCClientDrivesTwoAgents() async throws {
        let build = Self.root.appendingPathComponent("scripts/build-go-client.sh").path
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/go"), FileManager.default.isExecutableFile(atPath: "/usr/bin/protoc-gen-go-grpc") else {
            if ReferencePeer.required { XCTFail("go and protoc-gen-go-grpc are not installed (scripts/install-deps.sh)") }
            throw XCTSkip("go and protoc-gen-go-grpc are not installed (scripts/install-deps.sh)")
        }
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let binary = dir.sub("p2pmqclient")
        let built = try Executable.run(program: "/bin/bash", [build, binary], timeout: 600)
        XCTAssertEqual(built.status, 0, built.stderr)

        try "listenAddrs: [/ip4/127.0.0.1/tcp/0]\npubsub: {topics: [{name: prices}]}\ngrpc: 127.0.0.1:0\nvalidation: {timeout: 5s}\n"
            .write(toFile: dir.sub("a.yaml"), atomically: true, encoding: .utf8)
        let a = try AgentProcess(arguments: ["agent", "--config", dir.sub("a.yaml"), "--data-dir", dir.sub("a-data")], ready: "grpc")
        defer { _ = a.terminate() }
        try """
            listenAddrs: [/ip4/127.0.0.1/tcp/0]
            discovery: {bootstrappers: ["\(a.multiaddr)"]}
            pubsub: {topics: [{name: prices}]}
            validation: {whenNoValidator: accept}
            grpc: 127.0.0.1:0
            """.write(toFile: dir.sub("b.yaml"), atomically: true, encoding: .utf8)
        let b = try AgentProcess(arguments: ["agent", "--config", dir.sub("b.yaml"), "--data-dir", dir.sub("b-data")], ready: "grpc")
        defer { _ = b.terminate() }
        let peersOfA = try await Self.waitForPeers(a.first["grpc"] as! String, 1)
        XCTAssertEqual(peersOfA, 1)
        try await Task.sleep(for: .seconds(1))  // the mesh forms

        let client = try Executable.run(program: binary, ["-a", a.first["grpc"] as! String, "-b", b.first["grpc"] as! String, "-topic", "prices",
                                                          "-good", "5", "-bad", "2", "-timeout", "60s"], timeout: 90)
        let (text, errors) = (client.stdout, client.stderr)
        let result = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "stdout: \(text)\nstderr: \(errors)")
        XCTAssertEqual(result["errors"] as? [String], [], "\(result)")
        XCTAssertEqual((result["judged"] as? [String])?.count, 7, "every message went to the Go validator: \(result)")
        XCTAssertEqual(Set(result["rejected"] as? [String] ?? []), ["bad 5", "bad 6"])
        XCTAssertEqual(Set(result["listened"] as? [String] ?? []), Set((0..<5).map { "good \($0)" }), "only accepted messages are listened")
        XCTAssertEqual((result["published_ids"] as? [String])?.count, 7)
        XCTAssertEqual(a.terminate(), 0)
        let history = try Executable.run(["history", "--data-dir", dir.sub("a-data"), "--topic", "prices", "--json"])
        XCTAssertEqual(history.stdout.components(separatedBy: "\"REJECT\"").count - 1, 2, history.stdout)
    }
}
