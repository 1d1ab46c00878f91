import Agent
import AgentAPI
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Store
import TestSupport
import Wire
import XCTest

/// `proto.Batch` over real gRPC: a stream of publishes answered in order (a bad one answered with
/// its error while the stream goes on), all in the log; then `p2pmq replay`'s engine through a
/// validator on the batched stream.
final class BatchServiceTests: XCTestCase {
    func testStreamedPublishesAreJudgedByABatchedValidatorAndReplayed() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var config = try localConfig(dir, "a")
        config.validationTimeout = .seconds(5)
        let node = try AgentNode(config: config, identity: PrivateKey.generate())
        _ = try await node.start()
        addTeardownBlock { await node.stop() }
        let server = AgentServer(node: node, host: "127.0.0.1", port: 0)
        let serving = Task { try await server.serve() }
        defer { serving.cancel() }
        let port = try await server.port()

        try await withGRPCClient(transport: .http2NIOPosix(target: .ipv4(host: "127.0.0.1", port: port), transportSecurity: .plaintext)) { client in
            let batch = Proto_Batch.Client(wrapping: client)
            // The validator: REJECT what starts with "bad", ACCEPT the rest, a batch of verdicts
            // per batch of messages.
            let (verdicts, sink) = AsyncStream.makeStream(of: Proto_ValidatedMessageBatch.self)
            let batchesSeen = Counter()
            let validator = Task {
                try await batch.validate { writer in
                    for await v in verdicts { try await writer.write(v) }
                } onResponse: { response in
                    for try await b in response.messages {
                        await batchesSeen.add()
                        sink.yield(.with {
                            $0.verdicts = b.messages.map { m in
                                .with {
                                    $0.msg = .with { $0.messageID = m.messageID }
                                    $0.result = m.data.starts(with: Data("bad".utf8)) ? .reject : .accept
                                }
                            }
                        })
                    }
                }
            }
            defer { validator.cancel() }
            while await node.validators.count == 0 { try await Task.sleep(for: .milliseconds(10)) }

            // 50 publishes on one stream, the 10th to an empty topic (refused: its error comes
            // back in its place, and the stream goes on).
            let requests: [Proto_PublishRequest] = (0..<50).map { i in
                .with { $0.topic = i == 9 ? "" : "t"; $0.data = Data((i % 7 == 0 ? "bad \(i)" : "good \(i)").utf8) }
            }
            let results = try await batch.publish { writer in
                try await writer.write(contentsOf: requests)
            } onResponse: { response in
                var out: [Proto_PublishResult] = []
                for try await r in response.messages { out.append(r) }
                return out
            }
            XCTAssertEqual(results.count, 50)
            XCTAssertTrue(results[9].messageID.isEmpty)
            XCTAssertTrue(results[9].error.contains("topic is empty"), results[9].error)
            XCTAssertEqual(results.filter { !$0.error.isEmpty }.count, 1)
            XCTAssertEqual(Set(results.map(\.messageID)).count, 50, "ids are distinct (and one is empty)")

            // Every published message is in the log. A node's own publishes are not sent to its
            // validator yet (issue 20): they are logged ACCEPT.
            let store = node.store
            var verdictsByID: [String: Verdict] = [:]
            let logged = await holds(within: 10) {
                verdictsByID = [:]
                try? store.scan(topic: "t") { r in verdictsByID[r.messageID] = r.verdict; return true }
                return verdictsByID.count == 49
            }
            XCTAssertTrue(logged, "\(verdictsByID.count) of 49 in the log")
            for (i, r) in results.enumerated() where i != 9 {
                XCTAssertEqual(verdictsByID[r.messageID], .accept, "message \(i)")
            }

            // The replay engine sends them through the batched validator: verdicts in log order,
            // and exactly the "bad" ones differ from what was recorded.
            let replayed = try await Replayer(store: store, pool: node.validators).run(.init(topic: "t"))
            XCTAssertEqual(replayed.replayed, 49)
            XCTAssertNil(replayed.stoppedAt)
            let bad = Set(results.enumerated().filter { $0.offset % 7 == 0 }.map(\.element.messageID))
            XCTAssertEqual(Set(replayed.differences.map(\.messageID)), bad)
            XCTAssertTrue(replayed.differences.allSatisfy { $0.now == .reject && $0.recorded == .accept })
            XCTAssertEqual(replayed.differences.map(\.offset), replayed.differences.map(\.offset).sorted(), "in log order")
            let seen = await batchesSeen.value
            XCTAssertLessThan(seen, 49, "the replay's 49 messages came in batches (\(seen) batches)")
        }
    }
}
