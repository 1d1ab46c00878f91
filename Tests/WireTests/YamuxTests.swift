import Wire
import XCTest

final class YamuxTests: XCTestCase {
    /// Moves queued output from one session into the other until both are quiet; the receiving
    /// application reads every byte at once.
    func pump(_ a: inout YamuxSession, _ b: inout YamuxSession) throws -> (toA: [YamuxSession.Event], toB: [YamuxSession.Event]) {
        var toA: [YamuxSession.Event] = [], toB: [YamuxSession.Event] = []
        func consume(_ events: [YamuxSession.Event], _ s: inout YamuxSession) {
            for case .data(let id, let d) in events { s.consumed(id, d.count) }
        }
        while true {
            let fromA = a.takeOutput(), fromB = b.takeOutput()
            if fromA.isEmpty && fromB.isEmpty { return (toA, toB) }
            if !fromA.isEmpty {
                let events = try b.receive(fromA)
                consume(events, &b)
                toB += events
            }
            if !fromB.isEmpty {
                let events = try a.receive(fromB)
                consume(events, &a)
                toA += events
            }
        }
    }

    func testStreamsCarryDataBothWaysAndHalfClose() throws {
        var client = YamuxSession(isClient: true), server = YamuxSession(isClient: false)
        let id = try client.openStream()
        XCTAssertEqual(id, 1)
        try client.write(id, Array("hello".utf8))
        client.close(id)
        var (toClient, toServer) = try pump(&client, &server)
        XCTAssertEqual(toServer, [.opened(1), .data(1, Array("hello".utf8)), .remoteClosed(1)])
        XCTAssertEqual(toClient, [.acknowledged(1)])
        try server.write(1, Array("world".utf8))
        server.close(1)
        (toClient, toServer) = try pump(&client, &server)
        XCTAssertEqual(toClient, [.data(1, Array("world".utf8)), .remoteClosed(1)])
        XCTAssertEqual(client.streamCount, 0)
        XCTAssertEqual(server.streamCount, 0)
        XCTAssertEqual(try server.openStream(), 2)
    }

    func testFlowControlHoldsDataUntilTheWindowReopens() throws {
        var client = YamuxSession(isClient: true), server = YamuxSession(isClient: false)
        let id = try client.openStream()
        let big = [UInt8](repeating: 1, count: 1_000_000)
        try client.write(id, big)
        XCTAssertEqual(client.pendingBytes(id), big.count - Int(YamuxSession.initialWindow))
        let (_, toServer) = try pump(&client, &server)
        let received = toServer.reduce(0) { if case .data(_, let d) = $1 { return $0 + d.count }; return $0 }
        XCTAssertEqual(received, big.count, "window updates let everything through")
        XCTAssertEqual(client.pendingBytes(id), 0)
    }

    func testPeerIgnoringTheWindowIsAProtocolError() throws {
        var server = YamuxSession(isClient: false)
        var frames = YamuxHeader(type: .windowUpdate, flags: .syn, streamID: 1, length: 0).bytes
        for _ in 0..<5 {  // 5 x 64 KiB > 256 KiB window, never waiting for an update
            frames += YamuxHeader(type: .data, streamID: 1, length: 65536).bytes + [UInt8](repeating: 0, count: 65536)
        }
        XCTAssertThrowsError(try server.receive(frames)) { XCTAssertEqual(($0 as? WireError)?.code, .flowControl) }
        let out = server.takeOutput()
        XCTAssertEqual(try YamuxHeader(out.suffix(12)), YamuxHeader(type: .goAway, streamID: 0, length: 1))
    }

    func testPingResetGoAwayAndLimits() throws {
        var limits = YamuxSession.Limits()
        limits.maxStreams = 2
        var client = YamuxSession(isClient: true), server = YamuxSession(isClient: false, limits: limits)
        client.ping(42)
        var (toClient, _) = try pump(&client, &server)
        XCTAssertEqual(toClient, [.pong(42)])
        let ids = try (0..<3).map { _ in try client.openStream() }
        (toClient, _) = try pump(&client, &server)
        XCTAssertTrue(toClient.contains(.reset(ids[2])), "the stream past the limit is refused")
        XCTAssertEqual(server.streamCount, 2)
        client.reset(ids[0])
        var toServer: [YamuxSession.Event]
        (_, toServer) = try pump(&client, &server)
        XCTAssertEqual(toServer, [.reset(ids[0])])
        client.goAway(.normal)
        (_, toServer) = try pump(&client, &server)
        XCTAssertEqual(toServer, [.goAway(.normal)])
        XCTAssertThrowsError(try client.openStream())
    }

    func testMalformedFrames() {
        var s = YamuxSession(isClient: false)
        XCTAssertThrowsError(try s.receive([1] + [UInt8](repeating: 0, count: 11)))  // version 1
        var t = YamuxSession(isClient: false)
        XCTAssertThrowsError(try t.receive([0, 9] + [UInt8](repeating: 0, count: 10)))  // type 9
        var u = YamuxSession(isClient: false)
        XCTAssertThrowsError(try u.receive(YamuxHeader(type: .data, flags: .syn, streamID: 2, length: 0).bytes))  // our parity
        var v = YamuxSession(isClient: false)
        XCTAssertThrowsError(try v.receive(YamuxHeader(type: .data, streamID: 1, length: 10_000_000).bytes)) {
            XCTAssertEqual(($0 as? WireError)?.code, .tooLarge)
        }
    }

    func testTruncatedFramesWaitForTheRest() throws {
        var server = YamuxSession(isClient: false)
        let frame = YamuxHeader(type: .windowUpdate, flags: .syn, streamID: 1, length: 0).bytes
            + YamuxHeader(type: .data, streamID: 1, length: 5).bytes + Array("hello".utf8)
        for cut in [1, 11, 12, 13, 20, 28] {
            var s = YamuxSession(isClient: false)
            XCTAssertEqual(try s.receive(Array(frame[..<cut])).count, cut >= 12 ? 1 : 0, "cut at \(cut)")
            let rest = try s.receive(Array(frame[cut...]))
            XCTAssertEqual(rest.last, .data(1, Array("hello".utf8)), "cut at \(cut)")
        }
        XCTAssertEqual(try server.receive(frame), [.opened(1), .data(1, Array("hello".utf8))])
    }
}
