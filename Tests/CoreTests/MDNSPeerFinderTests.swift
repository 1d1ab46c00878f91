import Core
import TestSupport
import Wire
import XCTest

/// mDNS discovery's state machine driven directly: what it multicasts at start and on ticks, the
/// once-a-second answer rule, found peers reported once per interval, its own packets ignored,
/// and bounded memory under a flood of announced peers.
final class MDNSPeerFinderTests: XCTestCase {
    let mdns = MDNSDiscovery()
    let local = try! PrivateKey(seed: [UInt8](repeating: 1, count: 32)).peerID

    func finder(options: MDNSPeerFinder.Options = .init()) throws -> MDNSPeerFinder {
        var f = MDNSPeerFinder(records: mdns, local: local, peerName: "ourname", options: options)
        f.addresses = [try Multiaddr("/ip4/10.0.0.1/tcp/4001/p2p/\(local)")]
        f.ipv4 = [[10, 0, 0, 1]]
        return f
    }

    func sent(_ actions: [MDNSPeerFinder.Action]) -> [DNSMessage] {
        actions.compactMap { if case .send(let b) = $0 { return try? DNSMessage(bytes: b) } else { return nil } }
    }

    func announcement(of peer: PeerID, name: String, ip: String) throws -> [UInt8] {
        try mdns.response(peerName: name, addresses: [try Multiaddr("/ip4/\(ip)/tcp/4001/p2p/\(peer)")])
    }

    func testStartQueriesAndAnnouncesThenQueriesEveryInterval() throws {
        var f = try finder()
        let t0 = Instant(nanoseconds: 1_000_000_000)
        let start = sent(f.start(now: t0))
        XCTAssertEqual(start.count, 2)
        XCTAssertTrue(mdns.isQuery(start[0]))
        XCTAssertEqual(mdns.peers(in: start[1]).map(\.0), [local])
        XCTAssertTrue(f.tick(now: t0 + .seconds(9)).isEmpty)
        XCTAssertTrue(mdns.isQuery(try XCTUnwrap(sent(f.tick(now: t0 + .seconds(10))).first)))
        XCTAssertTrue(f.tick(now: t0 + .seconds(11)).isEmpty)
        XCTAssertEqual(f.stats.queriesSent, 2)
    }

    func testNothingToAnnounceWithoutAddresses() throws {
        var f = MDNSPeerFinder(records: mdns, local: local, peerName: "ourname")
        XCTAssertEqual(sent(f.start(now: Instant(nanoseconds: 0))).count, 1, "the query only")
        XCTAssertTrue(f.receive(try mdns.query(), now: Instant(nanoseconds: 5_000_000_000)).isEmpty)
    }

    func testAnswersAtMostOnceASecond() throws {
        var f = try finder()
        let t0 = Instant(nanoseconds: 10_000_000_000)
        let q = try mdns.query()
        let first = sent(f.receive(q, now: t0))
        XCTAssertEqual(first.count, 1)
        XCTAssertTrue(first[0].isResponse)
        // A flood of queries within the second gets nothing more.
        for i in 1...100 { XCTAssertTrue(f.receive(q, now: t0 + .milliseconds(i * 9)).isEmpty) }
        XCTAssertEqual(f.stats.answersSuppressed, 100)
        XCTAssertEqual(sent(f.receive(q, now: t0 + .seconds(1))).count, 1)
        // Queries for other services, and responses, are not answered.
        let other = try MDNSDiscovery(service: "_other._udp.local").query()
        XCTAssertTrue(f.receive(other, now: t0 + .seconds(5)).isEmpty)
    }

    func testFoundPeersAreReportedOncePerIntervalAndOurOwnIgnored() throws {
        var f = try finder()
        let t0 = Instant(nanoseconds: 10_000_000_000)
        let other = try PrivateKey(seed: [UInt8](repeating: 2, count: 32)).peerID
        let a = try announcement(of: other, name: "theirs", ip: "10.0.0.2")
        XCTAssertEqual(f.receive(a, now: t0), [.found(other, [try Multiaddr("/ip4/10.0.0.2/tcp/4001/p2p/\(other)")])])
        XCTAssertTrue(f.receive(a, now: t0 + .seconds(29)).isEmpty)
        XCTAssertEqual(f.receive(a, now: t0 + .seconds(30)).count, 1)
        // Our own announcement, looped back by the kernel.
        XCTAssertTrue(f.receive(try announcement(of: local, name: "ourname", ip: "10.0.0.1"), now: t0).isEmpty)
        // Garbage is counted, not fatal.
        XCTAssertTrue(f.receive([0xde, 0xad], now: t0).isEmpty)
        XCTAssertEqual(f.stats.malformed, 1)
    }

    func testAFloodOfAnnouncedPeersStaysBounded() throws {
        var options = MDNSPeerFinder.Options()
        options.maxPeers = 50
        var f = try finder(options: options)
        var found = 0
        for i in 0..<200 {
            let peer = try PrivateKey(seed: [UInt8](repeating: UInt8(i % 256), count: 31) + [7]).peerID
            found += f.receive(try announcement(of: peer, name: "p\(i)", ip: "10.0.1.\(i % 250 + 1)"), now: Instant(nanoseconds: UInt64(i + 1) * 1_000_000)).count
        }
        XCTAssertEqual(found, 200)
        XCTAssertEqual(f.knownPeers, 50)
    }
}
