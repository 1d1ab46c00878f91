import Foundation
import Host
import TestSupport
import Wire
import XCTest

/// The Swift host against real go-libp2p and py-libp2p peers (../shared/interop), both ways.
final class HostInteropTests: XCTestCase {
    func peer(_ impl: ReferencePeer.Implementation, _ args: [String] = []) throws -> ReferencePeer {
        guard ReferencePeer.available(impl) else {
            if ReferencePeer.required { XCTFail("reference peer \(impl) is not set up (run ../shared/interop/setup.sh \(ReferencePeer.venvRoot))") }
            throw XCTSkip("reference peer \(impl) is not set up in \(ReferencePeer.venvRoot)")
        }
        // go-libp2p offers Noise and TLS; Noise is the one we speak.
        return try ReferencePeer(impl, arguments: (impl == .go ? ["--security", "noise"] : []) + args)
    }

    func swiftDials(_ impl: ReferencePeer.Implementation, agent: String) async throws {
        let remote = try peer(impl)
        defer { remote.stop() }
        let host = P2PHost(config: HostConfig(identity: PrivateKey.generate()))
        _ = try await host.listen(try Multiaddr("/ip4/127.0.0.1/tcp/0"))
        let connection = try await host.dial(try Multiaddr(remote.multiaddr))
        XCTAssertEqual(connection.remotePeer?.description, remote.peerID)
        let info = try await identified(host, connection.remotePeer!)
        XCTAssertTrue(info.agentVersion?.contains(agent) ?? false, "\(String(describing: info.agentVersion))")
        XCTAssertTrue(info.protocols.contains(Ping.protocolID), "\(info.protocols)")
        let rtts = try await Ping.run(on: connection, count: 3)
        XCTAssertEqual(rtts.count, 3)
        if impl == .py {  // the go driver lists only peers it dialed itself
            remote.send(["cmd": "peers"])
            let peers = remote.waitFor { $0["event"] as? String == "peers" }
            XCTAssertTrue((peers?["connected"] as? [String])?.contains(host.peerID.description) ?? false, "\(String(describing: peers))")
        }
        await host.close()
    }

    func remoteDials(_ impl: ReferencePeer.Implementation, agent: String) async throws {
        let host = P2PHost(config: HostConfig(identity: PrivateKey.generate()))
        let addr = try await host.listen(try Multiaddr("/ip4/127.0.0.1/tcp/0")).appending(.p2p(host.peerID))
        let events = Task { () -> (identified: PeerInfo?, served: Bool) in
            var info: PeerInfo?
            var served = false
            for await e in host.events {
                if case .identified(_, let i) = e { info = i }
                if case .identifyServed = e { served = true }
                if info != nil && served { break }
            }
            return (info, served)
        }
        let remote = try peer(impl, ["--dial", addr.description])
        defer { remote.stop() }
        let timeout = Task {
            try await Task.sleep(for: .seconds(20))
            events.cancel()
        }
        let (info, served) = await events.value
        timeout.cancel()
        XCTAssertTrue(info?.agentVersion?.contains(agent) ?? false, "we identified the \(impl) peer that dialed us")
        XCTAssertTrue(served, "the \(impl) peer asked for and got our identify")
        let connection = try XCTUnwrap(host.connections.first { $0.remotePeer?.description == remote.peerID })
        XCTAssertFalse(connection.isInitiator)
        let rtts = try await Ping.run(on: connection, count: 3)
        XCTAssertEqual(rtts.count, 3)
        await host.close()
    }

    func identified(_ host: P2PHost, _ peer: PeerID) async throws -> PeerInfo {
        for _ in 0..<200 {
            if let info = host.peerStore.info(peer), info.agentVersion != nil { return info }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw HostError(.timeout, "no identify from \(peer)")
    }

    func testSwiftDialsGo() async throws { try await swiftDials(.go, agent: "go-libp2p") }
    func testGoDialsSwift() async throws { try await remoteDials(.go, agent: "go-libp2p") }
    func testSwiftDialsPy() async throws { try await swiftDials(.py, agent: "py-libp2p") }
    func testPyDialsSwift() async throws { try await remoteDials(.py, agent: "py-libp2p") }

    func testPrivateNetworkWithGo() async throws {
        let psk = try PreSharedKey(bytes: (0..<32).map { UInt8($0 * 7 % 256) })
        let hex = psk.bytes.map { String(format: "%02x", $0) }.joined()
        let remote = try peer(.go, ["--psk", hex])
        defer { remote.stop() }
        var config = HostConfig(identity: PrivateKey.generate())
        config.psk = psk
        let host = P2PHost(config: config)
        let connection = try await host.dial(try Multiaddr(remote.multiaddr))
        let rtts = try await Ping.run(on: connection, count: 2)
        XCTAssertEqual(rtts.count, 2)
        // Without the key the go peer is unreachable.
        var outsiderConfig = HostConfig(identity: PrivateKey.generate())
        outsiderConfig.upgradeTimeoutSeconds = 3  // go just goes quiet on bytes it cannot decrypt
        let outsider = P2PHost(config: outsiderConfig)
        do {
            _ = try await outsider.dial(try Multiaddr(remote.multiaddr))
            XCTFail("connected to a private go network without its key")
        } catch {}
        await host.close()
        await outsider.close()
    }
}
