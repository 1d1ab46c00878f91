import Wire
import XCTest

final class MultistreamTests: XCTestCase {
    func testInitiatorFallsBackToTheNextProposal() throws {
        var initiator = MultistreamSelect(role: .initiator(proposals: ["/tls/1.0.0", "/noise"]))
        var responder = MultistreamSelect(role: .responder(supported: ["/noise"]))
        let fromResponder = responder.start()
        guard case .send(let na) = try responder.receive(initiator.start()) else { return XCTFail("agreed too early") }
        guard case .send(let second) = try initiator.receive(fromResponder + na) else { return XCTFail() }
        guard case .agreed(let p, let reply, let rest) = try responder.receive(second) else { return XCTFail() }
        XCTAssertEqual(p, "/noise")
        XCTAssertEqual(rest, [])
        guard case .agreed(let q, _, let tail) = try initiator.receive(reply + [9, 9]) else { return XCTFail() }
        XCTAssertEqual(q, "/noise")
        XCTAssertEqual(tail, [9, 9], "bytes after the agreement belong to the protocol")
    }

    func testRefusalsAndGarbage() throws {
        var initiator = MultistreamSelect(role: .initiator(proposals: ["/a"]))
        _ = initiator.start()
        let header = Array("\u{13}/multistream/1.0.0\n".utf8)
        XCTAssertThrowsError(try initiator.receive(header + Array("\u{3}na\n".utf8))) {
            XCTAssertTrue("\($0)".contains("supports none"))
        }
        var responder = MultistreamSelect(role: .responder(supported: []))
        XCTAssertThrowsError(try responder.receive(Array("\u{5}HTTP\n".utf8)))
        var other = MultistreamSelect(role: .responder(supported: []))
        XCTAssertThrowsError(try other.receive([0xFF, 0xFF, 0xFF, 0x7F])) { XCTAssertEqual(($0 as? WireError)?.code, .tooLarge) }
        var noNewline = MultistreamSelect(role: .responder(supported: []))
        XCTAssertThrowsError(try noNewline.receive([2, 0x61, 0x62]))
    }
}
