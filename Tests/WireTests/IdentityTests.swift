import Wire
import XCTest

final class IdentityTests: XCTestCase {
    func testEd25519PeerIDIsAnInlinedKey() throws {
        let key = try PrivateKey(seed: [UInt8](repeating: 7, count: 32))
        let id = key.peerID
        XCTAssertTrue(id.description.hasPrefix("12D3KooW"), id.description)
        XCTAssertEqual(try PeerID(id.description), id)
        XCTAssertEqual(try PeerID(id.cid), id)
        XCTAssertTrue(id.cid.hasPrefix("bafz"), id.cid)
        XCTAssertEqual(id.inlinedPublicKey, key.publicKey)
        XCTAssertTrue(id.matches(key.publicKey))
        XCTAssertFalse(id.matches(PrivateKey.generate().publicKey))
    }

    func testPrivateKeyProtobufRoundTrip() throws {
        let key = PrivateKey.generate()
        let back = try PrivateKey(protobuf: key.protobuf)
        XCTAssertEqual(back.seed, key.seed)
        XCTAssertEqual(key.protobuf.count, 4 + 64)  // Type, Data = seed || public key
        var damaged = key.protobuf
        damaged[damaged.count - 1] ^= 1
        XCTAssertThrowsError(try PrivateKey(protobuf: damaged))
        XCTAssertThrowsError(try PrivateKey(protobuf: [1, 2, 3]))
    }

    func testSignatures() throws {
        let key = PrivateKey.generate()
        let sig = key.sign(Array("m".utf8))
        XCTAssertTrue(try key.publicKey.verify(signature: sig, message: Array("m".utf8)))
        XCTAssertFalse(try key.publicKey.verify(signature: sig, message: Array("n".utf8)))
    }

    func testForeignKeyTypesDecode() throws {
        let secp = try PublicKey(type: .secp256k1, data: [0x02] + [UInt8](repeating: 1, count: 32))
        let back = try PublicKey(protobuf: secp.protobuf)
        XCTAssertEqual(back, secp)
        XCTAssertThrowsError(try secp.verify(signature: [], message: [])) { XCTAssertEqual(($0 as? WireError)?.code, .unsupported) }
        XCTAssertThrowsError(try PublicKey(type: .ed25519, data: [1, 2]))
        XCTAssertThrowsError(try PublicKey(type: .ecdsa, data: [1, 2, 3]))
    }

    func testMultiaddrTextAndBinary() throws {
        let id = PrivateKey.generate().peerID
        for text in ["/ip4/127.0.0.1/tcp/4001", "/ip6/::1/tcp/0", "/dns4/example.org/tcp/443/p2p/\(id)", "/ip4/10.77.0.2/tcp/9000/p2p/\(id)"] {
            let addr = try Multiaddr(text)
            XCTAssertEqual(addr.description, text)
            XCTAssertEqual(try Multiaddr(bytes: addr.bytes), addr)
        }
        let addr = try Multiaddr("/ip4/127.0.0.1/tcp/4001/p2p/\(id)")
        XCTAssertEqual(addr.peerID, id)
        XCTAssertEqual(addr.transportPart.description, "/ip4/127.0.0.1/tcp/4001")
        XCTAssertEqual(addr.hostAndPort?.host, "127.0.0.1")
        XCTAssertEqual(addr.hostAndPort?.port, 4001)
        XCTAssertEqual(try Multiaddr("/ipfs/\(id)").peerID, id)
        for bad in ["", "ip4/1.2.3.4", "/ip4/1.2.3", "/tcp/70000", "/udp/1", "/ip4/1.2.3.4/tcp"] {
            XCTAssertThrowsError(try Multiaddr(bad), bad)
        }
        XCTAssertThrowsError(try Multiaddr(bytes: [4, 127, 0]))
        XCTAssertThrowsError(try Multiaddr(bytes: [0x99, 0x01]))
    }
}
