import Core
import TestSupport
import Wire
import XCTest

/// mDNS discovery's DNS messages: the query and response of the libp2p spec both ways,
/// compression pointers as other implementations send them, and hostile packets refused.
final class MDNSMessageTests: XCTestCase {
    let peer = try! PrivateKey(seed: [UInt8](repeating: 4, count: 32)).peerID

    func testQueryAndResponseRoundTrip() throws {
        let query = try DNSMessage(bytes: try MDNSDiscovery.query())
        XCTAssertTrue(MDNSDiscovery.isQuery(query))
        let addrs = [try Multiaddr("/ip4/10.0.0.2/tcp/4001/p2p/\(peer)"), try Multiaddr("/ip4/127.0.0.1/tcp/4001/p2p/\(peer)")]
        let response = try DNSMessage(bytes: try MDNSDiscovery.response(peerName: "x7k2q9", addresses: addrs))
        XCTAssertFalse(MDNSDiscovery.isQuery(response))
        let found = MDNSDiscovery.peers(in: response)
        XCTAssertEqual(found.map(\.0), [peer])
        XCTAssertEqual(found.first?.1, addrs)
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
        XCTAssertEqual(MDNSDiscovery.peers(in: message).first?.1.first?.description, "/ip4/10.0.0.9/tcp/4001/p2p/\(peer)")
    }

    func testHostilePacketsAreRefused() throws {
        let good = try MDNSDiscovery.query()
        for cut in 1..<good.count { XCTAssertThrowsError(try DNSMessage(bytes: Array(good.prefix(cut))), "cut at \(cut)") }
        // A name that points at itself.
        let loop: [UInt8] = [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 12, 0, 1]
        XCTAssertThrowsError(try DNSMessage(bytes: loop)) { XCTAssertTrue("\($0)".contains("loop"), "\($0)") }
        // Counts that claim more entries than a packet may hold.
        XCTAssertThrowsError(try DNSMessage(bytes: [0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0, 0, 0]))
        // A label over 63 bytes.
        XCTAssertThrowsError(try DNSMessage(bytes: [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 64] + [UInt8](repeating: 0x61, count: 64) + [0, 0, 12, 0, 1]))
        // TXT strings without a peer id, or not dnsaddr, are skipped.
        let noID = try DNSMessage(bytes: try MDNSDiscovery.response(peerName: "p", addresses: [try Multiaddr("/ip4/10.0.0.2/tcp/4001")]))
        XCTAssertTrue(MDNSDiscovery.peers(in: noID).isEmpty)
    }
}
