import Agent
import AgentAPI
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Store
import TestSupport
import Wire
import XCTest

/// An agent config for in-process tests: its data dir under `dir`, an ephemeral port on
/// 127.0.0.1, subscribed to topic "t".
func localConfig(_ dir: TemporaryDirectory, _ name: String, base: AgentConfig = AgentConfig()) throws -> AgentConfig {
    var config = base
    config.dataDir = dir.sub(name)
    config.listenAddrs = [try Multiaddr("/ip4/127.0.0.1/tcp/0")]
    config.topics = [AgentConfig.TopicConfig(name: "t")]
    return config
}

/// Two agents over TCP; agent A serves the Go p2pmq's gRPC API on 127.0.0.1 and has a validator
/// connected over ValidationRouter.Handle. Messages B publishes are judged by A's validator,
/// persisted with their verdicts in A's store, and the accepted ones reach A's listener.
final class AgentPipelineTests: XCTestCase {
    func makeNode(_ dir: TemporaryDirectory, _ name: String) throws -> AgentNode {
        var config = try localConfig(dir, name)
        config.validationTimeout = .seconds(2)
        return try AgentNode(config: config, identity: PrivateKey.generate())
    }

    func testValidatorVerdictsArePersistedAndAcceptedMessagesListened() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let a = try makeNode(dir, "a"), b = try makeNode(dir, "b")
        let addrA = try await a.start()
        _ = try await b.start()
        _ = try await b.host.dial(addrA[0])
        let server = AgentServer(node: a, host: "127.0.0.1", port: 0)
        let serving = Task { try await server.serve() }
        defer { serving.cancel() }
        let grpcPort = try await server.port()
        try await Task.sleep(for: .milliseconds(1500))  // meshes form at the first heartbeat

        try await withGRPCClient(transport: .http2NIOPosix(target: .ipv4(host: "127.0.0.1", port: grpcPort), transportSecurity: .plaintext)) { client in
            let control = Proto_ControlService.Client(wrapping: client)
            let router = Proto_MsgRouter.Client(wrapping: client)
            let validation = Proto_ValidationRouter.Client(wrapping: client)

            // The validator: ACCEPT unless the data starts with "bad".
            let (verdicts, verdictSink) = AsyncStream.makeStream(of: Proto_ValidatedMessage.self)
            let judged = Counter()
            let validator = Task {
                try await validation.handle { writer in
                    for await v in verdicts { try await writer.write(v) }
                } onResponse: { response in
                    for try await m in response.messages {
                        await judged.add()
                        verdictSink.yield(.with {
                            $0.msg = m
                            $0.result = m.data.starts(with: Data("bad".utf8)) ? .reject : .accept
                            $0.reason = m.data.starts(with: Data("bad".utf8)) ? "bad_report" : ""
                        })
                    }
                }
            }
            defer { validator.cancel() }
            // A verdict for an id nobody asked about is dropped and counted.
            verdictSink.yield(.with { $0.msg = .with { $0.messageID = "made-up" }; $0.result = .accept })

            let listened = Task { () -> [Proto_Message] in
                try await router.listen(.with { $0.topics = ["t"] }) { response in
                    var got: [Proto_Message] = []
                    for try await m in response.messages {
                        got.append(m)
                        if got.count == 2 { break }
                    }
                    return got
                }
            }
            try await Task.sleep(for: .milliseconds(300))  // validator and listener connected
            let connected = await a.validators.count
            XCTAssertEqual(connected, 1)

            _ = try await b.publish(topic: "t", data: Array("good report".utf8))
            _ = try await b.publish(topic: "t", data: Array("bad report".utf8))
            // And one published through A's own gRPC API: local, not validated, listened too.
            let own = try await control.publish(.with { $0.topic = "t"; $0.data = Data("own".utf8) })
            XCTAssertFalse(own.messageID.isEmpty)

            let got = try await listened.value
            XCTAssertEqual(Set(got.map { String(decoding: $0.data, as: UTF8.self) }), ["good report", "own"])
            let fromB = try XCTUnwrap(got.first { $0.data == Data("good report".utf8) })
            XCTAssertEqual(fromB.from, b.host.peerID.description)

            // Oversize publish: INVALID_ARGUMENT.
            do {
                _ = try await control.publish(.with { $0.topic = "t"; $0.data = Data(count: 2 << 20) })
                XCTFail("oversize publish accepted")
            } catch let error as RPCError {
                XCTAssertEqual(error.code, .invalidArgument)
            }
            let judgedCount = await judged.value, unknown = await a.validators.unknownVerdicts
            XCTAssertEqual(judgedCount, 2, "B's two messages were judged, A's own not")
            XCTAssertEqual(unknown, 1)

            // History and Admin over gRPC.
            let history = Proto_History.Client(wrapping: client), admin = Proto_Admin.Client(wrapping: client)
            var records: [Proto_Record] = []
            for _ in 0..<50 where records.count < 3 {
                records = try await history.query(.with { $0.topic = "t" }) { try await $0.messages.reduce(into: []) { $0.append($1) } }
                if records.count < 3 { try await Task.sleep(for: .milliseconds(50)) }
            }
            XCTAssertEqual(records.count, 3)
            let rejected = try await history.query(.with { $0.topic = "t"; $0.verdict = .reject }) { try await $0.messages.reduce(into: []) { $0.append($1) } }
            XCTAssertEqual(rejected.map { String(decoding: $0.data, as: UTF8.self) }, ["bad report"])
            do {
                _ = try await history.query(.with { $0.topic = "nope" }) { try await $0.messages.reduce(into: 0) { n, _ in n += 1 } }
                XCTFail("unknown topic answered")
            } catch let error as RPCError {
                XCTAssertEqual(error.code, .notFound)
            }
            let penalties = try await history.penalties(.with { $0.peer = b.host.peerID.description }) { try await $0.messages.reduce(into: []) { $0.append($1) } }
            XCTAssertEqual(penalties.map(\.reason), ["bad_report"])
            let peers = try await admin.peers(Proto_PeersRequest())
            let peerB = try XCTUnwrap(peers.peers.first { $0.peerID == b.host.peerID.description })
            let parts = peerB.score.topics + peerB.score.appSpecific + peerB.score.ipColocation + peerB.score.behaviour
            XCTAssertEqual(peerB.score.total, parts, accuracy: 1e-9, "the breakdown adds up")
            XCTAssertNotEqual(peerB.score.topics, 0, "B is scored on topic t (P1, P2, P4)")
            let topics = try await admin.topics(Proto_TopicsRequest())
            XCTAssertEqual(topics.topics.first { $0.topic == "t" }?.subscribed, true)
            XCTAssertEqual(topics.topics.first { $0.topic == "t" }?.nextOffset, 3)
            let health = try await admin.health(Proto_HealthRequest())
            XCTAssertTrue(health.serving)
            XCTAssertEqual(health.validators, 1)
            XCTAssertEqual(health.peers, 1)
        }

        // Every judged message is in A's log with its verdict; the REJECT cost B a penalty.
        var records: [LogRecord] = []
        for _ in 0..<50 {
            records = []
            try a.store.scan(topic: "t") { records.append($0); return true }
            if records.count >= 3 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let byData = Dictionary(records.map { (String(decoding: $0.data, as: UTF8.self), $0) }, uniquingKeysWith: { x, _ in x })
        XCTAssertEqual(byData["good report"]?.verdict, .accept)
        XCTAssertEqual(byData["bad report"]?.verdict, .reject)
        XCTAssertEqual(byData["bad report"]?.reason, "bad_report")
        XCTAssertEqual(byData["own"]?.from, "local")
        var penalties: [PenaltyRecord] = []
        try a.store.penalties { penalties.append($0); return true }
        XCTAssertTrue(penalties.contains { $0.peer == b.host.peerID.description && $0.reason == "bad_report" && $0.scoreDelta < 0 }, "\(penalties)")
        await server.stop()
        await a.stop()
        await b.stop()
    }
}

final class ListenReplayTests: XCTestCase {
    /// Listen with start_offset replays the log, then continues live while messages keep coming:
    /// every offset from the start exactly once, in order.
    func testReplayThenLiveWithoutGapOrDuplicate() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let config = try localConfig(dir, "a")
        let node = try AgentNode(config: config, identity: PrivateKey.generate())
        _ = try await node.start()
        for i in 0..<5 { _ = try await node.publish(topic: "t", data: Array("before \(i)".utf8)) }
        let server = AgentServer(node: node, host: "127.0.0.1", port: 0)
        let serving = Task { try await server.serve() }
        defer { serving.cancel() }
        let port = try await server.port()
        try await withGRPCClient(transport: .http2NIOPosix(target: .ipv4(host: "127.0.0.1", port: port), transportSecurity: .plaintext)) { client in
            let router = Proto_MsgRouter.Client(wrapping: client)
            let publisher = Task {
                for i in 0..<30 {
                    _ = try await node.publish(topic: "t", data: Array("during \(i)".utf8))
                    try await Task.sleep(for: .milliseconds(2))
                }
            }
            let offsets = try await router.listen(.with { $0.topics = ["t"]; $0.startOffset = 2 }) { response in
                var got: [UInt64] = []
                for try await m in response.messages {
                    got.append(m.offset)
                    if got.count == 33 { break }
                }
                return got
            }
            try await publisher.value
            XCTAssertEqual(offsets, Array(2..<35), "offsets 2...34 once each, in order")
            for (request, code) in [(Proto_ListenRequest.with { $0.topics = ["t", "u"]; $0.startOffset = 0 }, RPCError.Code.invalidArgument),
                                    (.with { $0.topics = ["nope"]; $0.startOffset = 0 }, .notFound)] {
                do {
                    _ = try await router.listen(request) { try await $0.messages.reduce(into: 0) { n, _ in n += 1 } }
                    XCTFail("accepted \(request)")
                } catch let error as RPCError {
                    XCTAssertEqual(error.code, code)
                }
            }
        }
        await server.stop()
        await node.stop()
    }
}

actor Counter {
    private(set) var value = 0
    func add() { value += 1 }
}

/// When the store fails (here: closed under the running agent, as a dead disk would fail every
/// write), the agent says so on health, stops accepting (messages get IGNORE and are not
/// delivered or forwarded; publishing fails), and never drops a message silently.
final class StoreFailureTests: XCTestCase {
    func testAFailedStoreStopsAcceptingAndIsReported() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        func node(_ name: String) throws -> AgentNode {
            var config = try localConfig(dir, name)
            config.whenNoValidator = .accept
            return try AgentNode(config: config, identity: PrivateKey.generate())
        }
        let a = try node("a"), b = try node("b")
        let addr = try await a.start()
        _ = try await b.start()
        _ = try await b.host.dial(addr[0])
        try await Task.sleep(for: .milliseconds(1500))
        let (_, heard) = await a.listen(topics: ["t"])
        _ = try await b.publish(topic: "t", data: Array("before".utf8))
        var it = heard.makeAsyncIterator()
        let first = await it.next()
        XCTAssertEqual(first?.data, Data("before".utf8))

        a.store.close()  // every write fails from now on
        _ = try await b.publish(topic: "t", data: Array("after".utf8))
        var problem: String?
        for _ in 0..<50 where problem == nil {
            try await Task.sleep(for: .milliseconds(50))
            problem = await a.storeProblem
        }
        XCTAssertNotNil(problem, "the failure is reported (Admin.Health: serving false)")
        let stats = await a.pubsub.stats
        XCTAssertEqual(stats.validated, 2, "the second message was judged, then given IGNORE")
        do {
            _ = try await a.publish(topic: "t", data: Array("mine".utf8))
            XCTFail("publishing with a failed store succeeded")
        } catch let error as AgentError {
            XCTAssertEqual(error.code, .storeFailed)
        }
        let delivered = Task { await it.next() }
        try await Task.sleep(for: .milliseconds(300))
        delivered.cancel()
        let late = await delivered.value
        XCTAssertNil(late, "nothing unrecorded was delivered")
        await a.pubsub.stop()
        await a.host.close()
        await b.stop()
    }
}

final class PublishTopicTests: XCTestCase {
    /// Publishing to a topic the agent has not subscribed works (fanout, stored); a topic outside
    /// pubsub.subFilter is unknown: refused.
    func testUnsubscribedAndUnknownTopics() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var config = try localConfig(dir, "a", base: AgentConfig.parse(yaml: "pubsub: {subFilter: {pattern: \"don-.*\"}}\n"))
        config.topics = []
        let node = try AgentNode(config: config, identity: PrivateKey.generate())
        _ = try await node.start()
        let id = try await node.publish(topic: "don-x", data: Array("to nobody yet".utf8))
        XCTAssertNotNil(try node.store.offset(topic: "don-x", messageID: id))
        for topic in ["spam", ""] {
            do {
                _ = try await node.publish(topic: topic, data: [1])
                XCTFail("published to '\(topic)'")
            } catch let error as AgentError {
                XCTAssertEqual(error.code, .invalidArgument)
            }
        }
        do {
            try await node.subscribe("spam")
            XCTFail("subscribed to an unknown topic")
        } catch let error as AgentError {
            XCTAssertTrue(error.message.contains("subFilter"), error.message)
        }
        await node.stop()
    }
}
