import Foundation
import Host
import TestSupport
import Wire
import XCTest

final class HostTests: XCTestCase {
    func makeHost(_ configure: (inout HostConfig) -> Void = { _ in }) async throws -> (P2PHost, Multiaddr) {
        var config = HostConfig(identity: PrivateKey.generate())
        configure(&config)
        let host = P2PHost(config: config)
        let addr = try await host.listen(try Multiaddr("/ip4/127.0.0.1/tcp/0"))
        return (host, addr.appending(.p2p(host.peerID)))
    }

    /// Waits for the first event matching `match`.
    static func next<T: Sendable>(_ host: P2PHost, timeout: TimeInterval = 10, _ match: @escaping @Sendable (HostEvent) -> T?) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                for await event in host.events { if let v = match(event) { return v } }
                return nil
            }
            group.addTask {
                try await Task.sleep(for: .seconds(timeout))
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else { throw HostError(.timeout, "no matching event") }
            return value
        }
    }

    func testDialIdentifyAndPingBetweenTwoHosts() async throws {
        let (a, addrA) = try await makeHost()
        let (b, _) = try await makeHost()
        defer { Task { await a.close(); await b.close() } }
        async let identifiedByB = Self.next(b) { if case .identified(let p, let info) = $0, p == a.peerID { return info }; return nil }
        async let identifiedByA = Self.next(a) { if case .identified(let p, let info) = $0, p == b.peerID { return info }; return nil }
        let connection = try await b.dial(addrA)
        XCTAssertEqual(connection.remotePeer, a.peerID)
        let infoOfA = try await identifiedByB
        let infoOfB = try await identifiedByA
        XCTAssertEqual(infoOfA.agentVersion, "p2pmq-swift/0.1.0")
        XCTAssertTrue(infoOfA.protocols.contains(Ping.protocolID))
        XCTAssertTrue(infoOfA.addresses.contains(addrA.transportPart))
        XCTAssertEqual(infoOfB.publicKey, b.config.identity.publicKey)
        let rtts = try await Ping.run(on: connection, count: 5)
        XCTAssertEqual(rtts.count, 5)
        XCTAssertTrue(rtts.allSatisfy { $0 > 0 && $0 < 1 })
    }

    func testLargeTransfersRespectFlowControl() async throws {
        let (a, addrA) = try await makeHost()
        let (b, _) = try await makeHost()
        defer { Task { await a.close(); await b.close() } }
        a.registry.set("/test/echo/1") { stream in
            while let chunk = try? await stream.read() { try? await stream.write(chunk) }
            await stream.close()
        }
        let connection = try await b.dial(addrA)
        let stream = try await connection.openStream(["/test/unknown/1", "/test/echo/1"])
        XCTAssertEqual(stream.protocolID, "/test/echo/1")
        let payload = [UInt8]((0..<3_000_000).map { UInt8($0 % 253) })
        async let echoed = stream.read(exactly: payload.count)
        for start in stride(from: 0, to: payload.count, by: 65536) {
            try await stream.write(Array(payload[start..<min(start + 65536, payload.count)]))
        }
        let result = try await echoed
        XCTAssertEqual(result, payload)
        await stream.close()
        let end = try await stream.read()
        XCTAssertNil(end)
    }

    func testDialingTheWrongPeerIDFails() async throws {
        let (a, addrA) = try await makeHost()
        let (b, _) = try await makeHost()
        defer { Task { await a.close(); await b.close() } }
        let wrong = addrA.transportPart.appending(.p2p(PrivateKey.generate().peerID))
        do {
            _ = try await b.dial(wrong)
            XCTFail("dialing a peer id that does not match succeeded")
        } catch {
            XCTAssertTrue("\(error)".contains("peerIDMismatch"), "\(error)")
        }
    }

    func testGarbageAndHalfOpenConnectionsAreClosedAndTheHostKeepsServing() async throws {
        let (a, addrA) = try await makeHost { $0.upgradeTimeoutSeconds = 1 }
        let (b, _) = try await makeHost()
        defer { Task { await a.close(); await b.close() } }
        let port = addrA.hostAndPort!.port
        // Random bytes instead of multistream-select.
        let garbage = try RawTCP(port: port)
        garbage.send((0..<512).map { _ in UInt8.random(in: 0...255) })
        XCTAssertTrue(garbage.readUntilClosed(timeout: 5).closed)
        // A valid multistream header, then a truncated Noise message, then silence.
        let truncated = try RawTCP(port: port)
        truncated.send(Array("\u{13}/multistream/1.0.0\n\u{7}/noise\n".utf8) + [0, 32, 1, 2, 3])
        XCTAssertTrue(truncated.readUntilClosed(timeout: 5).closed, "a stalled handshake is cut off by the upgrade timeout")
        // Connects and never speaks.
        let silent = try RawTCP(port: port)
        XCTAssertTrue(silent.readUntilClosed(timeout: 5).closed)
        // Oversize multistream line.
        let oversize = try RawTCP(port: port)
        oversize.send([0xFF, 0xFF, 0x03] + [UInt8](repeating: 0x41, count: 100))
        XCTAssertTrue(oversize.readUntilClosed(timeout: 5).closed)
        // Still serving.
        let connection = try await b.dial(addrA)
        let rtts = try await Ping.run(on: connection, count: 1)
        XCTAssertEqual(rtts.count, 1)
    }

    func testStreamFloodPastTheLimitIsRefused() async throws {
        let (a, addrA) = try await makeHost { $0.yamux.maxStreams = 8 }
        let (b, _) = try await makeHost()
        defer { Task { await a.close(); await b.close() } }
        a.registry.set("/test/hold/1") { stream in _ = try? await stream.read() }
        let connection = try await b.dial(addrA)
        var opened: [MuxedStream] = []
        var refused = 0
        for _ in 0..<20 {
            do { opened.append(try await connection.openStream(["/test/hold/1"])) } catch { refused += 1 }
        }
        XCTAssertGreaterThan(refused, 0)
        XCTAssertLessThanOrEqual(opened.count, 8)
        // The connection itself survives: once the held streams are reset, new ones open.
        for s in opened { await s.reset() }
        try await Task.sleep(for: .milliseconds(100))
        let rtts = try await Ping.run(on: connection, count: 1)
        XCTAssertEqual(rtts.count, 1)
    }

    func testPrivateNetworksAdmitOnlyPeersWithTheKey() async throws {
        let psk = try PreSharedKey(bytes: [UInt8](repeating: 7, count: 32))
        let other = try PreSharedKey(bytes: [UInt8](repeating: 8, count: 32))
        let (a, addrA) = try await makeHost { $0.psk = psk; $0.upgradeTimeoutSeconds = 2 }
        let (b, _) = try await makeHost { $0.psk = psk }
        let (c, _) = try await makeHost { $0.psk = other; $0.upgradeTimeoutSeconds = 2 }
        let (d, _) = try await makeHost { $0.upgradeTimeoutSeconds = 2 }
        defer { Task { await a.close(); await b.close(); await c.close(); await d.close() } }
        let ok = try await b.dial(addrA)
        let rtts = try await Ping.run(on: ok, count: 2)
        XCTAssertEqual(rtts.count, 2)
        for (name, host) in [("wrong key", c), ("no key", d)] {
            do {
                _ = try await host.dial(addrA)
                XCTFail("\(name): connected to a private network")
            } catch {}
        }
    }
}

final class ConnectionManagerTests: XCTestCase {
    func testTrimsOldestPastGraceDownToLowWater() {
        let policy = ConnectionManagerPolicy(lowWater: 2, highWater: 4, gracePeriodSeconds: 10)
        let objects = (0..<6).map { _ in NSObject() }
        let ids = objects.map(ObjectIdentifier.init)
        var candidates = (0..<6).map { ConnectionManagerPolicy.Candidate(id: ids[$0], openedAt: Double($0)) }
        XCTAssertEqual(policy.trim(Array(candidates.prefix(4)), now: 100), [], "at the high water mark nothing is closed")
        XCTAssertEqual(policy.trim(candidates, now: 100), Array(ids[0..<4]), "the 4 oldest go, 2 remain")
        candidates[0].isProtected = true
        XCTAssertEqual(policy.trim(candidates, now: 100), Array(ids[1..<5]))
        XCTAssertEqual(policy.trim(candidates, now: 13), [ids[1], ids[2], ids[3]], "younger than the grace period stay")
    }

    func testHostClosesConnectionsAboveHighWater() async throws {
        var config = HostConfig(identity: PrivateKey.generate())
        config.connectionManager = ConnectionManagerPolicy(lowWater: 2, highWater: 3, gracePeriodSeconds: 0)
        let server = P2PHost(config: config)
        let addr = try await server.listen(try Multiaddr("/ip4/127.0.0.1/tcp/0"))
        var clients: [P2PHost] = []
        for _ in 0..<5 {
            let c = P2PHost(config: HostConfig(identity: PrivateKey.generate()))
            _ = try await c.dial(addr)
            clients.append(c)
        }
        var count = server.connections.count
        for _ in 0..<100 where count > 3 {
            try await Task.sleep(for: .milliseconds(20))
            count = server.connections.count
        }
        XCTAssertLessThanOrEqual(count, 3)
        XCTAssertGreaterThanOrEqual(count, 2)
        for c in clients { await c.close() }
        await server.close()
    }
}
