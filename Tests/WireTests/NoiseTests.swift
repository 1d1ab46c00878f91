import Crypto
@testable import Wire
import XCTest

final class NoiseTests: XCTestCase {
    /// Runs a handshake between two machines; returns both transports and what each learned.
    func handshake(_ a: PrivateKey, _ b: PrivateKey, expected: PeerID? = nil) throws -> (NoiseTransport, NoiseTransport, PeerID, PeerID) {
        var initiator = NoiseHandshake(initiator: true, identity: a, expectedPeer: expected)
        var responder = NoiseHandshake(initiator: false, identity: b)
        guard case .send(let m2) = try responder.receive(try initiator.start()) else { throw WireError(.malformed, "m2") }
        guard case .complete(let m3?, let seenB, _, let ta) = try initiator.receive(m2) else { throw WireError(.malformed, "m3") }
        guard case .complete(nil, let seenA, _, let tb) = try responder.receive(m3) else { throw WireError(.malformed, "done") }
        return (ta, tb, seenA, seenB)
    }

    func testHandshakeAuthenticatesBothSidesAndEncrypts() throws {
        let a = PrivateKey.generate(), b = PrivateKey.generate()
        var (ta, tb, seenA, seenB) = try handshake(a, b, expected: b.peerID)
        XCTAssertEqual(seenA, a.peerID)
        XCTAssertEqual(seenB, b.peerID)
        var readerB = NoiseFrameReader(), readerA = NoiseFrameReader()
        let big = [UInt8]((0..<200_000).map { UInt8($0 % 251) })
        let wire = try ta.seal(big)
        XCTAssertGreaterThan(wire.count, big.count)  // framed in several 64 KiB messages
        // Delivered in odd-sized pieces, as TCP may.
        var got: [UInt8] = []
        var i = 0
        while i < wire.count {
            let end = min(i + 7777, wire.count)
            got += try tb.open(Array(wire[i..<end]), into: &readerB)
            i = end
        }
        XCTAssertEqual(got, big)
        XCTAssertEqual(try ta.open(try tb.seal(Array("pong".utf8)), into: &readerA), Array("pong".utf8))
    }

    func testTamperedCiphertextFails() throws {
        var (ta, tb, _, _) = try handshake(PrivateKey.generate(), PrivateKey.generate())
        var wire = try ta.seal(Array("hello".utf8))
        wire[4] ^= 1
        var reader = NoiseFrameReader()
        XCTAssertThrowsError(try tb.open(wire, into: &reader)) { XCTAssertEqual(($0 as? WireError)?.code, .decryptFailed) }
    }

    func testDialingTheWrongPeerIsRefused() throws {
        let b = PrivateKey.generate()
        XCTAssertThrowsError(try handshake(PrivateKey.generate(), b, expected: PrivateKey.generate().peerID)) {
            XCTAssertEqual(($0 as? WireError)?.code, .peerIDMismatch)
        }
    }

    func testGarbageAndTruncatedHandshakeMessages() throws {
        var responder = NoiseHandshake(initiator: false, identity: PrivateKey.generate())
        XCTAssertThrowsError(try responder.receive([1, 2, 3]))
        var initiator = NoiseHandshake(initiator: true, identity: PrivateKey.generate())
        _ = try initiator.start()
        XCTAssertThrowsError(try initiator.receive([UInt8](repeating: 9, count: 120)))  // fails authentication
        var fresh = NoiseHandshake(initiator: true, identity: PrivateKey.generate())
        XCTAssertThrowsError(try fresh.receive([UInt8](repeating: 0, count: 200)))  // before start
    }

    func testPayloadSignedByAnotherKeyIsRefused() throws {
        var initiator = NoiseHandshake(initiator: true, identity: PrivateKey.generate())
        // The responder claims identity B but signs its Noise static key with key C.
        var forger = NoiseHandshake(
            initiator: false, identity: PrivateKey.generate(), expectedPeer: nil,
            staticKey: .init(), ephemeralKey: .init(), payloadSigner: PrivateKey.generate())
        guard case .send(let m2) = try forger.receive(try initiator.start()) else { return XCTFail() }
        XCTAssertThrowsError(try initiator.receive(m2)) { XCTAssertEqual(($0 as? WireError)?.code, .badSignature) }
    }
}
