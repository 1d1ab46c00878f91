import Core
import TestSupport
import Wire
import XCTest

/// mDNS discovery's DNS messages: the query and response of the libp2p spec both ways,
/// compression pointers as other implementations send them, and hostile packets refused.
final class MDNSMessageTests: XCTestCase {
    let peer = try! PrivateKey(seed: [UInt8](repeating: 4, count: 32)).peerID
    let mdns = MDNSDiscovery()

    func testQueryAndResponseRoundTrip() throws {
        let query = try DNSMessage(bytes: try mdns.query())
        XCTAssertTrue(mdns.isQuery(query))
        let addrs = [try Multiaddr("/ip4/10.0.0.2/tcp/4001/p2p/\(peer)"), try Multiaddr("/ip4/127.0.0.1/tcp/4001/p2p/\(peer)")]
        let response = try DNSMessage(bytes: try mdns.response(peerName: "x7k2q9", addresses: addrs))
        XCTAssertFalse(mdns.isQuery(response))
        let found = mdns.peers(in: response)
        XCTAssertEqual(found.map(\.0), [peer])
        XCTAssertEqual(found.first?.1, addrs)
    }

    /// The SRV and A records a DNS-SD browser waits for, and the unicast-response bit.
    func testResponseCarriesSRVAndARecords() throws {
        let addrs = [try Multiaddr("/ip4/10.0.0.2/tcp/4101/p2p/\(peer)")]
        let response = try DNSMessage(bytes: try mdns.response(peerName: "x7k2q9", addresses: addrs, ipv4: [[10, 0, 0, 2]]))
        XCTAssertEqual(response.answers.map(\.data), [.ptr("x7k2q9._p2p._udp.local")])
        let srv = response.additionals.first { $0.type == DNSMessage.typeSRV }
        XCTAssertEqual(srv?.data, .srv(port: 4101, target: "x7k2q9.local"))
        XCTAssertEqual(srv?.klass, DNSMessage.classIN | DNSMessage.cacheFlush)
        let a = response.additionals.first { $0.type == DNSMessage.typeA }
        XCTAssertEqual(a?.name, "x7k2q9.local")
        XCTAssertEqual(a?.data, .raw([10, 0, 0, 2]))
        // A browser that saw the PTR asks for the instance's records, with the QU bit set.
        let follow = DNSMessage(questions: [.init(name: "X7K2Q9._p2p._udp.local", type: DNSMessage.typeSRV, klass: DNSMessage.classIN | DNSMessage.cacheFlush)])
        XCTAssertTrue(mdns.isQuery(follow, peerName: "x7k2q9"))
        XCTAssertFalse(mdns.isQuery(follow, peerName: "other"))
    }

    /// py-libp2p numbers its TXT keys (dnsaddr, dnsaddr2, …); unspecified addresses are dropped.
    func testNumberedDnsaddrKeysAndUnspecifiedAddresses() throws {
        let strings = ["dnsaddr=/ip4/10.0.0.3/tcp/1/p2p/\(peer)", "dnsaddr2=/ip4/10.0.0.4/tcp/2/p2p/\(peer)",
                       "dnsaddrx=/ip4/10.0.0.5/tcp/3/p2p/\(peer)", "dnsaddr3=/ip4/0.0.0.0/tcp/4/p2p/\(peer)", "id=\(peer)"]
        let message = DNSMessage(isResponse: true, answers: [.init(name: mdns.service, type: DNSMessage.typePTR, ttl: 120, data: .ptr("p." + mdns.service))],
                                 additionals: [.init(name: "p." + mdns.service, type: DNSMessage.typeTXT, ttl: 120, data: .txt(strings.map { Array($0.utf8) }))])
        let found = mdns.peers(in: try DNSMessage(bytes: try message.encode()))
        XCTAssertEqual(found.first?.1.map(\.description), ["/ip4/10.0.0.3/tcp/1/p2p/\(peer)", "/ip4/10.0.0.4/tcp/2/p2p/\(peer)"])
    }

    /// The agent's `mdnsTag`: a DNS-SD service type picks that service (go-libp2p's serviceName);
    /// anything else turns on the spec's.
    func testTagsSelectTheService() {
        XCTAssertEqual(MDNSDiscovery(tag: "_p2p._udp").service, "_p2p._udp.local")
        XCTAssertEqual(MDNSDiscovery(tag: "_p2pmq-dev._udp").service, "_p2pmq-dev._udp.local")
        XCTAssertEqual(MDNSDiscovery(tag: "_p2pmq._tcp.local").service, "_p2pmq._tcp.local")
        XCTAssertEqual(MDNSDiscovery(tag: "p2pmq/mdns/test").service, MDNSDiscovery.standardService)
        XCTAssertEqual(MDNSDiscovery(tag: "p2pmq").service, MDNSDiscovery.standardService)
        XCTAssertEqual(MDNSDiscovery(tag: "_bad label._udp").service, MDNSDiscovery.standardService)
        // Other services do not see each other's peers.
        let other = MDNSDiscovery(tag: "_other._udp")
        let response = try! DNSMessage(bytes: try! other.response(peerName: "p", addresses: [try! Multiaddr("/ip4/10.0.0.2/tcp/4001/p2p/\(peer)")]))
        XCTAssertTrue(mdns.peers(in: response).isEmpty)
        XCTAssertEqual(other.peers(in: response).count, 1)
    }

    /// A response whose names point back into the packet (RFC 1035 compression), as mDNS
    /// responders write them.
    func testCompressedNamesAreFollowed() throws {
        var b: [UInt8] = [0, 0, 0x84, 0, 0, 0, 0, 1, 0, 0, 0, 1]
        let serviceAt = b.count
        for label in ["_p2p", "_udp", "local"] { b += [UInt8(label.utf8.count)] + Array(label.utf8) }
        b += [0, 0, 12, 0, 1, 0, 0, 0, 120]
        let rdata: [UInt8] = [3] + Array("abc".utf8) + [0xc0, UInt8(serviceAt)]
        b += [0, UInt8(rdata.count)]
        let instanceAt = b.count
        b += rdata
        let txt = Array("dnsaddr=/ip4/10.0.0.9/tcp/4001/p2p/\(peer)".utf8)
        b += [0xc0, UInt8(instanceAt), 0, 16, 0x80, 1, 0, 0, 0, 120, 0, UInt8(txt.count + 1), UInt8(txt.count)] + txt
        let message = try DNSMessage(bytes: b)
        XCTAssertEqual(message.answers.first?.data, .ptr("abc._p2p._udp.local"))
        XCTAssertEqual(message.additionals.first?.name, "abc._p2p._udp.local")
        XCTAssertEqual(mdns.peers(in: message).first?.1.first?.description, "/ip4/10.0.0.9/tcp/4001/p2p/\(peer)")
    }

    func testHostilePacketsAreRefused() throws {
        let good = try mdns.query()
        for cut in 1..<good.count { XCTAssertThrowsError(try DNSMessage(bytes: Array(good.prefix(cut))), "cut at \(cut)") }
        // A name that points at itself.
        let loop: [UInt8] = [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 12, 0, 1]
        XCTAssertThrowsError(try DNSMessage(bytes: loop)) { XCTAssertTrue("\($0)".contains("loop"), "\($0)") }
        // Counts that claim more entries than a packet may hold.
        XCTAssertThrowsError(try DNSMessage(bytes: [0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0, 0, 0]))
        // A label over 63 bytes.
        XCTAssertThrowsError(try DNSMessage(bytes: [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 64] + [UInt8](repeating: 0x61, count: 64) + [0, 0, 12, 0, 1]))
        // TXT strings without a peer id, or not dnsaddr, are skipped.
        let noID = try DNSMessage(bytes: try mdns.response(peerName: "p", addresses: [try Multiaddr("/ip4/10.0.0.2/tcp/4001")]))
        XCTAssertTrue(mdns.peers(in: noID).isEmpty)
    }
}
