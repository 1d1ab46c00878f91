import AgentAPI
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GRPCCore
import GRPCNIOTransportHTTP2
import TestSupport
import Wire
import XCTest

/// Two `p2pmq agent --config` processes over TCP: publish through one's gRPC API, listen on the
/// other's, stop both with SIGTERM, and find the message in `p2pmq history` of the listener.
final class AgentDaemonTests: XCTestCase {
    func testTwoConfiguredAgentsPublishListenAndKeepHistory() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let keyA = PrivateKey.generate()
        try """
            privateKey: \(Data(keyA.protobuf).base64EncodedString())
            listenAddrs: [/ip4/127.0.0.1/tcp/0]
            pubsub:
              topics: [{name: prices}]
            validation: {whenNoValidator: accept}
            grpc: 127.0.0.1:0
            """.write(toFile: dir.sub("a.yaml"), atomically: true, encoding: .utf8)
        let a = try AgentProcess(arguments: ["agent", "--config", dir.sub("a.yaml"), "--data-dir", dir.sub("a-data"), "--metrics", "127.0.0.1:0"],
                                 ready: "grpc", stderrPath: dir.sub("a.err"))
        XCTAssertEqual(a.first["peer_id"] as? String, keyA.peerID.description)
        try """
            listenAddrs: [/ip4/127.0.0.1/tcp/0]
            discovery: {bootstrappers: ["\(a.multiaddr)"]}
            pubsub:
              topics: [{name: prices}]
            validation: {whenNoValidator: accept}
            grpc: 127.0.0.1:0
            """.write(toFile: dir.sub("b.yaml"), atomically: true, encoding: .utf8)
        let b = try AgentProcess(arguments: ["agent", "--config", dir.sub("b.yaml"), "--data-dir", dir.sub("b-data")], ready: "grpc",
                                 stderrPath: dir.sub("b.err"))
        func port(_ p: AgentProcess) throws -> Int { try XCTUnwrap(Int((p.first["grpc"] as? String)?.split(separator: ":").last ?? "")) }
        let (portA, portB) = (try port(a), try port(b))
        try await Task.sleep(for: .seconds(2))  // B dialed its bootstrapper; meshes formed

        let received = Task { () -> Proto_Message? in
            try await withGRPCClient(transport: .http2NIOPosix(target: .ipv4(host: "127.0.0.1", port: portA), transportSecurity: .plaintext)) { client in
                try await Proto_MsgRouter.Client(wrapping: client).listen(.with { $0.topics = ["prices"] }) { response in
                    for try await m in response.messages { return m }
                    return nil
                }
            }
        }
        try await Task.sleep(for: .milliseconds(300))
        let id = try await withGRPCClient(transport: .http2NIOPosix(target: .ipv4(host: "127.0.0.1", port: portB), transportSecurity: .plaintext)) { client in
            try await Proto_ControlService.Client(wrapping: client).publish(.with { $0.topic = "prices"; $0.data = Data("eth 3000".utf8) }).messageID
        }
        let got = try await received.value
        XCTAssertEqual(got?.messageID, id)
        XCTAssertEqual(got?.data, Data("eth 3000".utf8))

        // /metrics shows the message by topic and verdict, and the peers.
        let metricsURL = URL(string: "http://\(try XCTUnwrap(a.first["metrics"] as? String))/metrics")!
        try await Task.sleep(for: .milliseconds(1200))  // gauges are sampled once a second
        let (body, reply) = try await URLSession.shared.data(from: metricsURL)
        XCTAssertEqual((reply as? HTTPURLResponse)?.statusCode, 200)
        let text = String(decoding: body, as: UTF8.self)
        XCTAssertTrue(text.contains(#"p2pmq_messages_total{topic="prices",verdict="ACCEPT"} 1"#), text)
        XCTAssertTrue(text.contains("p2pmq_peers 1"), text)
        XCTAssertTrue(text.contains("p2pmq_store_append_seconds_bucket"), text)
        // Queries work on the running agent's data dir (read-only, beside the writer).
        let live = try Executable.run(["history", "--data-dir", dir.sub("a-data"), "--topic", "prices", "--json"])
        XCTAssertEqual(live.status, 0, live.stderr)
        XCTAssertTrue(live.stdout.contains(id), live.stdout)
        let heads = try Executable.run(["heads", "--data-dir", dir.sub("a-data")])
        XCTAssertEqual(heads.status, 0, heads.stderr)
        XCTAssertEqual(a.terminate(), 0, (try? String(contentsOfFile: dir.sub("a.err"), encoding: .utf8)) ?? "")
        XCTAssertEqual(b.terminate(), 0, (try? String(contentsOfFile: dir.sub("b.err"), encoding: .utf8)) ?? "")
        let history = try Executable.run(["history", "--data-dir", dir.sub("a-data"), "--topic", "prices", "--json"])
        XCTAssertEqual(history.status, 0, history.stderr)
        XCTAssertTrue(history.stdout.contains(id), history.stdout)
        XCTAssertTrue(history.stdout.contains("ACCEPT"), history.stdout)
    }
}

/// A client that is not Swift: Python grpcio, generated from the project's proto, against two
/// agent processes: validator over the duplex stream, Listen with topics and max_rate, publish,
/// oversize publish.
final class PythonGRPCClientTests: XCTestCase {
    static var python: String { (ProcessInfo.processInfo.environment["P2PMQ_INTEROP_DIR"] ?? "/tmp/p2pmq-interop") + "/grpc/bin/python" }

    func testPythonValidatorListenerAndPublisher() async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.python) else {
            if ReferencePeer.required { XCTFail("the grpcio venv is not set up (scripts/test.sh makes it)") }
            throw XCTSkip("the grpcio venv is not set up (scripts/test.sh makes it)")
        }
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        try "listenAddrs: [/ip4/127.0.0.1/tcp/0]\npubsub: {topics: [{name: prices}]}\ngrpc: 127.0.0.1:0\nvalidation: {timeout: 3s}\n"
            .write(toFile: dir.sub("a.yaml"), atomically: true, encoding: .utf8)
        let a = try AgentProcess(arguments: ["agent", "--config", dir.sub("a.yaml"), "--data-dir", dir.sub("a-data")], ready: "grpc")
        try """
            listenAddrs: [/ip4/127.0.0.1/tcp/0]
            discovery: {bootstrappers: ["\(a.multiaddr)"]}
            pubsub: {topics: [{name: prices}]}
            validation: {whenNoValidator: accept}
            grpc: 127.0.0.1:0
            """.write(toFile: dir.sub("b.yaml"), atomically: true, encoding: .utf8)
        let b = try AgentProcess(arguments: ["agent", "--config", dir.sub("b.yaml"), "--data-dir", dir.sub("b-data")], ready: "grpc")
        defer { _ = a.terminate(); _ = b.terminate() }
        try await Task.sleep(for: .seconds(2))
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("python/grpc_scenario.py").path
        let run = try Executable.run(program: Self.python, [script, a.first["grpc"] as! String, b.first["grpc"] as! String, "prices"], timeout: 90)
        let (text, errors) = (run.stdout, run.stderr)
        let result = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "stdout: \(text)\nstderr: \(errors)")
        XCTAssertEqual((result["judged"] as? [String])?.count, 12, "every message from B went to the Python validator")
        XCTAssertEqual(Set(result["listened"] as? [String] ?? []), Set((0..<10).map { "good \($0)" }), "only accepted messages are listened")
        XCTAssertGreaterThan(result["listen_span_s"] as? Double ?? 0, 1.5, "max_rate 5/s spreads 10 messages over more than 1.8 s")
        XCTAssertEqual((result["other_topic"] as? [String])?.count, 0, "a listener of another topic gets nothing")
        XCTAssertEqual(result["oversize"] as? String, "INVALID_ARGUMENT")
        XCTAssertEqual(a.terminate(), 0)
        let history = try Executable.run(["history", "--data-dir", dir.sub("a-data"), "--topic", "prices", "--json"])
        XCTAssertEqual(history.stdout.components(separatedBy: "\"REJECT\"").count - 1, 2, history.stdout)
    }
}

/// A second agent on a data dir in use fails at start with a clear error, and the first goes on.
final class AgentDataDirTests: XCTestCase {
    func testADataDirInUseIsRefused() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        try "listenAddrs: [/ip4/127.0.0.1/tcp/0]\ngrpc: 127.0.0.1:0\n".write(toFile: dir.sub("a.yaml"), atomically: true, encoding: .utf8)
        let first = try AgentProcess(arguments: ["agent", "--config", dir.sub("a.yaml"), "--data-dir", dir.sub("data")], ready: "grpc")
        let second = try Executable.run(["agent", "--config", dir.sub("a.yaml"), "--data-dir", dir.sub("data")], timeout: 30)
        XCTAssertEqual(second.status, 1)
        XCTAssertTrue(second.stderr.contains("locked"), second.stderr)
        XCTAssertTrue(first.process.isRunning)
        XCTAssertEqual(first.terminate(), 0)
    }
}

/// SIGKILL of an agent under publish load, durability sync: after a restart the log holds every
/// message whose Publish was acknowledged, each once, with dense offsets.
final class AgentCrashTests: XCTestCase {
    func testSigkillUnderLoadLosesNoAcknowledgedPublish() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        try "listenAddrs: [/ip4/127.0.0.1/tcp/0]\npubsub: {topics: [{name: load}]}\nstore: {durability: sync}\ngrpc: 127.0.0.1:0\n"
            .write(toFile: dir.sub("a.yaml"), atomically: true, encoding: .utf8)
        let agent = try AgentProcess(arguments: ["agent", "--config", dir.sub("a.yaml"), "--data-dir", dir.sub("data")], ready: "grpc")
        let port = try XCTUnwrap(Int((agent.first["grpc"] as? String)?.split(separator: ":").last ?? ""))
        let acked = Acked()
        let load = Task {
            try await withGRPCClient(transport: .http2NIOPosix(target: .ipv4(host: "127.0.0.1", port: port), transportSecurity: .plaintext)) { client in
                let control = Proto_ControlService.Client(wrapping: client)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for worker in 0..<8 {
                        group.addTask {
                            for i in 0... {
                                let reply = try await control.publish(.with { $0.topic = "load"; $0.data = Data("w\(worker) m\(i)".utf8) })
                                await acked.add(reply.messageID)
                            }
                        }
                    }
                    try await group.waitForAll()
                }
            }
        }
        try await Task.sleep(for: .milliseconds(1500))
        kill(agent.process.processIdentifier, SIGKILL)
        agent.process.waitUntilExit()
        _ = try? await load.value  // the connection dies with the agent
        let ids = await acked.ids
        XCTAssertGreaterThan(ids.count, 10, "the load ran")

        // The data dir is consistent and holds every acknowledged message once.
        let export = try Executable.run(["export", "--data-dir", dir.sub("data"), "--topic", "load"])
        XCTAssertEqual(export.status, 0, export.stderr)
        var stored: [String: Int] = [:]
        var offsets: [Int] = []
        for line in export.stdout.split(separator: "\n") {
            guard let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { continue }
            stored[obj["msg_id"] as? String ?? "", default: 0] += 1
            offsets.append(obj["offset"] as? Int ?? -1)
        }
        XCTAssertEqual(offsets, Array(0..<offsets.count), "dense offsets")
        let missing = ids.filter { stored[$0] == nil }
        XCTAssertEqual(missing.count, 0, "acknowledged but not stored: \(missing.prefix(5))")
        XCTAssertTrue(stored.values.allSatisfy { $0 == 1 }, "each message once")

        // And the agent starts again on it.
        let again = try AgentProcess(arguments: ["agent", "--config", dir.sub("a.yaml"), "--data-dir", dir.sub("data")], ready: "grpc")
        XCTAssertEqual(again.terminate(), 0)
    }
}

actor Acked {
    private(set) var ids: [String] = []
    func add(_ id: String) { ids.append(id) }
}

/// The gRPC API on a Unix socket (`grpc: unix:/path`): how the devnet's cluster mode reaches agents
/// whose network it cuts.
final class UnixSocketAPITests: XCTestCase {
    func testAgentServesItsAPIOnAUnixSocketAndABadAddressIsRefused() throws {
        let dir = TemporaryDirectory("uds")
        defer { dir.remove() }
        let socket = dir.sub("grpc.sock")
        try """
            listenAddrs: [/ip4/127.0.0.1/tcp/0]
            pubsub:
              topics: [{name: t}]
            validation: {whenNoValidator: accept}
            grpc: unix:\(socket)
            """.write(toFile: dir.sub("a.yaml"), atomically: true, encoding: .utf8)
        // A socket file left by a killed agent does not stop the next start.
        FileManager.default.createFile(atPath: socket, contents: Data())
        let agent = try AgentProcess(arguments: ["agent", "--config", dir.sub("a.yaml"), "--data-dir", dir.sub("data")], ready: "grpc",
                                     stderrPath: dir.sub("a.err"))
        XCTAssertEqual(agent.first["grpc"] as? String, "unix:\(socket)")
        let published = try Executable.run(["publish", "--agent", "unix:\(socket)", "--topic", "t"], stdin: "over a unix socket")
        XCTAssertEqual(published.status, 0, published.stderr)
        XCTAssertEqual(published.stdout.trimmingCharacters(in: .whitespacesAndNewlines).count, 40, published.stdout)
        XCTAssertEqual(agent.terminate(), 0)
        let history = try Executable.run(["history", "--data-dir", dir.sub("data"), "--topic", "t", "--json"])
        XCTAssertTrue(history.stdout.contains("published"), history.stdout)

        try "grpc: \"unix:\"\n".write(toFile: dir.sub("bad.yaml"), atomically: true, encoding: .utf8)
        let bad = try Executable.run(["agent", "--config", dir.sub("bad.yaml"), "--check"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("unix:/path"), bad.stderr)
    }
}
