import Foundation
import Core
import Gossip
import Host
import TestSupport
import Wire
import XCTest

/// The router over real hosts on 127.0.0.1.
final class PubsubServiceTests: XCTestCase {
    /// A node whose validator is `judge` and that keeps no log.
    struct Judge: PubsubNode {
        let judge: @Sendable (InboundMessage) async -> PubsubService.ValidationAnswer
        func validate(_ message: InboundMessage) async -> PubsubService.ValidationAnswer { await judge(message) }
        func append(_ judged: JudgedMessage) async -> PubsubService.LogReceipt { .init(.notKept, stored: judged.verdict) }
    }

    func pair(validator: @escaping @Sendable (InboundMessage) async -> PubsubService.ValidationAnswer, concurrent: Int = 64, queue: Int = 1024,
              timeout: Duration = .seconds(5), config: GossipsubConfig = GossipsubConfig())
        async throws -> (a: P2PHost, sa: PubsubService, b: P2PHost, sb: PubsubService) {
        let a = P2PHost(config: HostConfig(identity: PrivateKey.generate()))
        let b = P2PHost(config: HostConfig(identity: PrivateKey.generate()))
        let sa = PubsubService(host: a, config: config, validationTimeout: timeout, maxConcurrentValidations: concurrent,
                               validationQueueSize: queue, validates: true)
        let sb = PubsubService(host: b)
        await sa.start(node: Judge(judge: validator))
        await sb.start()
        await sa.subscribe("t")
        await sb.subscribe("t")
        let addr = try await a.listen(try Multiaddr("/ip4/127.0.0.1/tcp/0")).appending(.p2p(a.peerID))
        _ = try await b.dial(addr)
        try await Task.sleep(for: .milliseconds(500))  // hellos exchanged
        return (a, sa, b, sb)
    }

    func testMessagesFlowAndReachTheValidator() async throws {
        let (a, sa, b, sb) = try await pair(validator: { $0.data == Array("no".utf8) ? .reject(reason: "test") : .accept })
        defer { Task { await sa.stop(); await sb.stop(); await a.close(); await b.close() } }
        await sb.publish("t", data: Array("yes".utf8))
        await sb.publish("t", data: Array("no".utf8))
        var received: [[UInt8]] = []
        for await d in sa.deliveries {
            received.append(d.data)
            if received.count == 1 { break }
        }
        XCTAssertEqual(received, [Array("yes".utf8)])
        for await p in sa.penalties {
            XCTAssertEqual(p.reason, "test")
            XCTAssertEqual(p.peer, b.peerID.description)
            break
        }
    }

    /// The timeout counts from arrival: a message that waited it out in the queue is given
    /// IGNORE without being judged, so no verdict (and no forwarding) comes long after arrival.
    func testTheTimeoutCountsFromArrivalQueueWaitIncluded() async throws {
        actor Judged {
            var names: [String] = []
            func add(_ name: String) { names.append(name) }
        }
        let judged = Judged()
        let (a, sa, b, sb) = try await pair(
            validator: { request in
                await judged.add(String(decoding: request.data, as: UTF8.self))
                try? await Task.sleep(for: .milliseconds(600))
                return .accept
            },
            concurrent: 1, queue: 10, timeout: .seconds(1))
        defer { Task { await sa.stop(); await sb.stop(); await a.close(); await b.close() } }
        for i in 0..<4 { await sb.publish("t", data: Array("m\(i)".utf8)) }
        // Through the driver's sweep timer (the policy itself: NodeCoreValidationTests).
        try await eventually("three timeouts", seconds: 5) { await sa.stats.droppedTimeout >= 3 }
        let stats = await sa.stats
        // m0 is judged in 0.6 s; m1 starts then with 0.4 s left and times out; m2 and m3 wait
        // out their second in the queue.
        let names = await judged.names
        XCTAssertEqual(names, ["m0", "m1"])
        XCTAssertEqual(stats.droppedTimeout, 3)
        XCTAssertEqual(stats.validated, 2)
    }

    /// With `graylistRefusal` set, a peer that keeps sending frames that are no RPC sinks below
    /// graylist: it is disconnected and its new connections are refused, both ways.
    func testAPeerBelowGraylistIsDisconnectedAndRefused() async throws {
        var config = GossipsubConfig()
        config.graylistRefusal = .seconds(60)
        let (a, sa, b, sb) = try await pair(validator: { _ in .accept }, config: config)
        defer { Task { await sa.stop(); await sb.stop(); await a.close(); await b.close() } }
        let connection = try XCTUnwrap(b.connections(to: a.peerID).first)
        let raw = try await connection.openStream([PubsubProtocol.meshsub11.rawValue])
        for _ in 0..<20 { try? await raw.writeMessage([0xFF, 0xFF, 0xFF, 0x0F, 0x01]) }
        for _ in 0..<100 where !a.connections(to: b.peerID).isEmpty { try await Task.sleep(for: .milliseconds(100)) }
        XCTAssertTrue(a.connections(to: b.peerID).isEmpty, "b is still connected")
        XCTAssertTrue(a.isRefused(b.peerID))
        let stats = await sa.stats
        XCTAssertGreaterThanOrEqual(stats.refusedPeers, 1)
        var noticed = ""
        for await line in sa.notices {
            noticed = line
            break
        }
        XCTAssertTrue(noticed.contains("below the graylist threshold"), noticed)
        // b dials again: the connection is closed as soon as a knows who it is.
        let addr = try XCTUnwrap(a.listenAddresses.first).appending(.p2p(a.peerID))
        _ = try? await b.dial(addr)
        try await Task.sleep(for: .milliseconds(500))
        XCTAssertTrue(a.connections(to: b.peerID).isEmpty)
        // And a does not dial b.
        do {
            _ = try await a.dial(try Multiaddr("/ip4/127.0.0.1/tcp/1/p2p/\(b.peerID)"))
            XCTFail("a dialed a refused peer")
        } catch {
            XCTAssertTrue("\(error)".contains("refused"), "\(error)")
        }
    }

    func testMalformedRPCIsCountedAndPenalized() async throws {
        let (a, sa, b, sb) = try await pair(validator: { _ in .accept })
        defer { Task { await sa.stop(); await sb.stop(); await a.close(); await b.close() } }
        let connection = try XCTUnwrap(b.connections(to: a.peerID).first)
        let raw = try await connection.openStream([PubsubProtocol.meshsub11.rawValue])
        try await raw.writeMessage([0xFF, 0xFF, 0xFF, 0x01, 0x02])  // not a protobuf
        for await p in sa.penalties {
            XCTAssertTrue(p.reason.hasPrefix("malformed_rpc"), p.reason)
            break
        }
        let malformed = await sa.stats.malformedRPCs
        XCTAssertEqual(malformed, 1)
        // An oversize frame (10 MiB announced, 1 MiB allowed) ends that stream, not the connection.
        try await raw.write(Varint.encode(10 << 20))
        for await p in sa.penalties {
            XCTAssertTrue(p.reason.hasPrefix("oversize_rpc"), p.reason)
            break
        }
        let oversize = await sa.stats.oversizeRPCs
        XCTAssertEqual(oversize, 1)
        XCTAssertFalse(a.connections(to: b.peerID).isEmpty)
        let breakdown = await sa.scoreBreakdown(b.peerID.description)
        XCTAssertEqual(breakdown.behaviour, 0, "two slips are within the default behaviour threshold (6)")
        // The peer can still talk on a new stream.
        await sb.publish("t", data: Array("after".utf8))
        for await d in sa.deliveries {
            XCTAssertEqual(d.data, Array("after".utf8))
            break
        }
    }
}

