import Foundation
@testable import Host
import TestSupport
import Wire
import XCTest

/// A peer that stops answering pings (its link is gone, as in a partition) has its connection
/// closed; a peer that answers, or refuses the ping protocol outright, keeps it.
final class KeepaliveTests: XCTestCase {
    let fast = KeepalivePolicy(interval: .milliseconds(200), timeout: .milliseconds(300), maxFailures: 2)

    func testLedgerClosesAfterConsecutiveFailuresOnly() {
        var ledger = KeepaliveLedger(maxFailures: 2)
        let objects = [NSObject(), NSObject()]
        let a = ObjectIdentifier(objects[0]), b = ObjectIdentifier(objects[1])
        XCTAssertFalse(ledger.record(a, answered: false))
        XCTAssertFalse(ledger.record(a, answered: true), "an answer resets the count")
        XCTAssertFalse(ledger.record(a, answered: false))
        XCTAssertFalse(ledger.record(b, answered: false), "counts are per connection")
        XCTAssertTrue(ledger.record(a, answered: false))
        ledger.forget(b)
        XCTAssertFalse(ledger.record(b, answered: false))
    }

    private func pair(silent: Bool, refusing: Bool) async throws -> (P2PHost, P2PHost, Connection) {
        var config = HostConfig(identity: PrivateKey.generate())
        config.keepalive = fast
        let pinger = P2PHost(config: config)
        var quietConfig = HostConfig(identity: PrivateKey.generate())
        quietConfig.keepalive = nil
        let quiet = P2PHost(config: quietConfig)
        if silent {
            // Reads the ping and never echoes it: what a dead link looks like from the other end.
            quiet.registry.set(Ping.protocolID) { stream in
                _ = try? await stream.read(exactly: 32)
                try? await Task.sleep(for: .seconds(30))
            }
        }
        if refusing { quiet.registry.remove(Ping.protocolID) }
        let addr = try await quiet.listen(try Multiaddr("/ip4/127.0.0.1/tcp/0"))
        let connection = try await pinger.dial(addr.appending(.p2p(quiet.peerID)))
        return (pinger, quiet, connection)
    }

    func testSilentPeerIsDisconnected() async throws {
        let (pinger, quiet, _) = try await pair(silent: true, refusing: false)
        defer { Task { await pinger.close(); await quiet.close() } }
        try await eventually("the silent peer's connection to be closed", seconds: 5) { pinger.connections.isEmpty }
    }

    func testAnsweringAndRefusingPeersStayConnected() async throws {
        for refusing in [false, true] {
            let (pinger, quiet, connection) = try await pair(silent: false, refusing: refusing)
            // Several keepalive rounds pass.
            try await Task.sleep(for: .milliseconds(1500))
            XCTAssertEqual(pinger.connections.count, 1, refusing ? "a peer without ping is alive too" : "an answering peer stays")
            XCTAssertNotNil(connection.remotePeer)
            await pinger.close()
            await quiet.close()
        }
    }
}
