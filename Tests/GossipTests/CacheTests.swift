import Foundation
import Core
import Gossip
import XCTest

final class CacheTests: XCTestCase {
    func testTimeCacheForgetsAfterTTL() {
        var clock = ManualClock()
        var seen = TimeCache<String>(ttl: .seconds(120))
        XCTAssertTrue(seen.insert("a", now: clock.now))
        XCTAssertFalse(seen.insert("a", now: clock.now))
        clock.advance(.seconds(60))
        seen.insert("b", now: clock.now)
        clock.advance(.seconds(60))
        XCTAssertFalse(seen.contains("a", now: clock.now), "a expired at 120 s")
        XCTAssertTrue(seen.contains("b", now: clock.now))
        XCTAssertTrue(seen.insert("a", now: clock.now), "an expired key counts as new")
        clock.advance(.seconds(121))
        seen.sweep(clock.now)
        XCTAssertEqual(seen.count, 0)
    }

    func testMessageCacheWindowsAndRetransmissionLimit() {
        var cache = MessageCache<String>(historyLength: 5, gossipLength: 3)
        cache.put(id: [1], topic: "t", "m1")
        cache.put(id: [2], topic: "u", "m2")
        XCTAssertEqual(cache.gossipIDs(topic: "t"), [[1]])
        for _ in 0..<2 { cache.shift() }
        cache.put(id: [3], topic: "t", "m3")
        XCTAssertEqual(cache.gossipIDs(topic: "t"), [[3], [1]], "newest first, within 3 windows")
        cache.shift()
        XCTAssertEqual(cache.gossipIDs(topic: "t"), [[3]], "m1 is out of the gossip windows")
        XCTAssertEqual(cache.get([1]), "m1", "but still served to IWANT")
        cache.shift()
        cache.shift()
        XCTAssertNil(cache.get([1]), "gone after 5 windows")
        XCTAssertEqual(cache.get([3]), "m3")
        func served(_ l: MessageCache<String>.Lookup) -> Bool { if case .found = l { return true }; return false }
        XCTAssertTrue(served(cache.getForPeer([3], peer: "p", limit: 2)))
        XCTAssertTrue(served(cache.getForPeer([3], peer: "p", limit: 2)))
        guard case .overLimit = cache.getForPeer([3], peer: "p", limit: 2) else { return XCTFail("a peer that keeps asking is not served") }
        XCTAssertTrue(served(cache.getForPeer([3], peer: "q", limit: 2)))
        guard case .notFound = cache.getForPeer([99], peer: "q", limit: 2) else { return XCTFail("unknown id") }
    }

    func testBackoff() {
        var clock = ManualClock()
        var backoff = Backoff()
        backoff.set(topic: "t", peer: "p", for: .seconds(60), now: clock.now)
        backoff.set(topic: "t", peer: "p", for: .seconds(10), now: clock.now)  // does not shorten
        clock.advance(.seconds(30))
        XCTAssertTrue(backoff.isBackedOff(topic: "t", peer: "p", now: clock.now))
        XCTAssertFalse(backoff.isBackedOff(topic: "u", peer: "p", now: clock.now))
        clock.advance(.seconds(30))
        XCTAssertFalse(backoff.isBackedOff(topic: "t", peer: "p", now: clock.now))
    }

    func testMessageIDs() {
        var m = P2pmq_Libp2p_Pubsub_Message()
        m.data = Data("hello".utf8)
        m.from = Data([1, 2])
        m.seqno = Data([0, 0, 0, 0, 0, 0, 0, 9])
        // sha256("hello") = 2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824
        XCTAssertEqual(String(decoding: MessageIDFunction.contentHash.id(m), as: UTF8.self), "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c")
        XCTAssertEqual(MessageIDFunction.fromAndSeqno.id(m), [1, 2, 0, 0, 0, 0, 0, 0, 0, 9])
    }
}
