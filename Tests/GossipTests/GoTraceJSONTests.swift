import Core
@testable import Gossip
import Wire
import XCTest

/// The trace file's lines are go-libp2p-pubsub's JSONTracer lines, byte for byte in shape.
final class GoTraceJSONTests: XCTestCase {
    let me = try! PrivateKey(seed: [UInt8](repeating: 1, count: 32)).peerID
    let other = try! PrivateKey(seed: [UInt8](repeating: 2, count: 32)).peerID

    func testLinesHaveGosShape() {
        let deliver = GoTraceJSON.line(TraceEvent(.deliverMessage, peer: other.description, messageID: Array("ab".utf8), topic: "t<1>"),
                                       localPeer: me.bytes, timestamp: 42)
        XCTAssertEqual(deliver, #"{"type":3,"peerID":"\#(Base64.encode(me.bytes))","timestamp":42,"deliverMessage":{"messageID":"YWI=","topic":"t\u003c1\u003e","receivedFrom":"\#(Base64.encode(other.bytes))"}}"#)
        var rpc = GossipsubRouter.RPC()
        rpc.subscriptions = [.with { $0.subscribe = true; $0.topicid = "t" }]
        rpc.control.graft = [.with { $0.topicID = "t" }]
        rpc.control.iwant = [.with { $0.messageIds = [Data([1])] }]
        let send = GoTraceJSON.line(TraceEvent(.sendRPC, peer: other.description, rpc: .init(rpc, ids: GossipsubConfig())),
                                    localPeer: me.bytes, timestamp: 7)
        XCTAssertTrue(send.hasPrefix(#"{"type":7,"#), send)
        XCTAssertTrue(send.hasSuffix(#""meta":{"subscription":[{"subscribe":true,"topic":"t"}],"control":{"iwant":[{"messageIDs":["AQ=="]}],"graft":[{"topic":"t"}]}}}}"#), send)
        let join = GoTraceJSON.line(TraceEvent(.join, topic: "t"), localPeer: me.bytes, timestamp: 1)
        XCTAssertTrue(join.hasSuffix(#""timestamp":1,"join":{"topic":"t"}}"#), join)
    }

    func testSkipListAndFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("trace-\(UUID()).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try PubsubTraceFile(path: path, localPeer: me, skip: [.recvRPC])
        file.write([TraceEvent(.recvRPC, peer: other.description), TraceEvent(.join, topic: "a"), TraceEvent(.leave, topic: "a")])
        file.close()
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        XCTAssertTrue(lines[0].contains(#""type":9"#) && lines[1].contains(#""type":10"#))
        XCTAssertThrowsError(try PubsubTraceFile(path: "/nonexistent-dir/t.json", localPeer: me))
    }
}
