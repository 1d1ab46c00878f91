import Core
import Foundation
import TestSupport
import Wire
import XCTest

/// The DHT's pure parts: keys and distance, the routing table, the iterative lookup over an
/// in-memory network of routing tables (no sockets), hostile answers, the provider store.
final class KademliaTests: XCTestCase {
    static func peer(_ i: Int) -> PeerID {
        var seed = [UInt8](repeating: 0, count: 32)
        seed[0] = UInt8(i & 0xff)
        seed[1] = UInt8(i >> 8)
        seed[2] = 0x5a
        return try! PrivateKey(seed: seed).peerID
    }

    static let addr = try! Multiaddr("/ip4/127.0.0.1/tcp/4001")

    func testDistanceAndPrefix() {
        let a = KadKey(point: [UInt8](repeating: 0, count: 32))
        var bytes = [UInt8](repeating: 0, count: 32)
        bytes[1] = 0x10
        let b = KadKey(point: bytes)
        XCTAssertEqual(a.commonPrefixLength(with: b), 11)
        XCTAssertEqual(a.commonPrefixLength(with: a), 256)
        XCTAssertEqual(a.distance(to: b), bytes)
        XCTAssertTrue(a.closer(a, than: b))
    }

    func testBucketsHoldKAndKeepReplacements() {
        var clock = ManualClock()
        var table = KadRoutingTable(local: Self.peer(0), k: 2, now: clock.now)
        XCTAssertEqual(table.add(Self.peer(0), addresses: [], now: clock.now), .isSelf)
        // Peers by bucket: fill one bucket past k.
        var byBucket: [Int: [PeerID]] = [:]
        for i in 1..<400 { byBucket[table.bucket(of: KadKey(hashing: Self.peer(i).bytes)), default: []].append(Self.peer(i)) }
        let crowded = try! XCTUnwrap(byBucket.first { $0.value.count >= 3 }?.value)
        XCTAssertEqual(table.add(crowded[0], addresses: [Self.addr], now: clock.now), .added)
        XCTAssertEqual(table.add(crowded[1], addresses: [Self.addr], now: clock.now), .added)
        XCTAssertEqual(table.add(crowded[2], addresses: [Self.addr], now: clock.now), .pending, "a full bucket keeps its peers")
        clock.advance(.seconds(1))
        XCTAssertEqual(table.add(crowded[0], addresses: [], now: clock.now), .updated)
        table.failed(crowded[1])
        XCTAssertTrue(table.contains(crowded[2]), "the replacement takes the failed peer's place")
        XCTAssertFalse(table.contains(crowded[1]))
        XCTAssertEqual(table.size, 2)
    }

    func testRandomWalkTargetsFallInTheirBucket() {
        let table = KadRoutingTable(local: Self.peer(7), now: ManualClock().now)
        var rng = SeededGenerator(seed: 3)
        for bucket in [0, 1, 5, 9] {
            let target = try! XCTUnwrap(table.randomTarget(inBucket: bucket, using: &rng))
            XCTAssertEqual(table.bucket(of: KadKey(hashing: target)), bucket)
            XCTAssertNoThrow(try PeerID(bytes: target), "the target is shaped as a peer id")
        }
        XCTAssertNil(table.randomTarget(inBucket: 200, using: &rng))
    }

    /// 300 peers, each having met all others in random order (so each table is what Kademlia
    /// keeps: k per far bucket, its whole neighbourhood near): a lookup from one of them finds the
    /// true 20 closest peers to a target.
    func testALookupConvergesOnTheClosestPeers() {
        let now = ManualClock().now
        let peers = (1...300).map(Self.peer)
        var rng = SeededGenerator(seed: 11)
        var tables: [PeerID: KadRoutingTable] = [:]
        for p in peers {
            var t = KadRoutingTable(local: p, now: now)
            for q in peers.shuffled(using: &rng) { t.add(q, addresses: [Self.addr], now: now) }
            tables[p] = t
        }
        let target = Self.peer(9999).bytes
        let targetKey = KadKey(hashing: target)
        let me = peers[0]
        var lookup = KadLookup(target: target, local: me, seeds: tables[me]!.closest(to: targetKey, count: 20).map { ($0.peer, $0.addresses) })
        var rounds = 0
        while !lookup.isFinished {
            let asked = lookup.next()
            XCTAssertLessThanOrEqual(lookup.waiting.count, 3, "α = 3 in flight")
            for (p, _) in asked {
                lookup.answered(p, closer: tables[p]!.closest(to: targetKey, count: 20).map { ($0.peer, $0.addresses) })
            }
            rounds += 1
            if rounds > 500 { return XCTFail("the lookup does not end") }
        }
        let truth = peers.filter { $0 != me }.sorted { targetKey.closer(KadKey(hashing: $0.bytes), than: KadKey(hashing: $1.bytes)) }.prefix(20)
        let found = lookup.closest.map(\.0)
        XCTAssertEqual(Set(found), Set(truth), "found \(Set(found).intersection(truth).count) of the 20 closest")
        XCTAssertLessThan(lookup.queries, 120)
    }

    /// A hostile peer answers every query with a thousand fresh peers that never answer: memory
    /// and queries stay bounded and the lookup ends.
    func testHostileAnswersCostBoundedWork() {
        let me = Self.peer(1), liar = Self.peer(2)
        var lookup = KadLookup(target: Self.peer(3).bytes, local: me, seeds: [(liar, [Self.addr])])
        var fresh = 10_000
        var steps = 0
        while !lookup.isFinished {
            for (p, _) in lookup.next() {
                if p == liar {
                    let flood = (0..<1000).map { _ -> (PeerID, [Multiaddr]) in
                        fresh += 1
                        return (Self.peer(fresh), Array(repeating: Self.addr, count: 50))
                    }
                    lookup.answered(p, closer: flood)
                } else {
                    lookup.failed(p)  // unreachable addresses
                }
            }
            XCTAssertLessThanOrEqual(lookup.candidates.count, lookup.maxCandidates)
            XCTAssertTrue(lookup.candidates.allSatisfy { $0.addresses.count <= KadRoutingTable.maxAddresses })
            steps += 1
            if steps > 1000 { return XCTFail("the lookup does not end") }
        }
        XCTAssertLessThanOrEqual(lookup.queries, lookup.maxQueries)
    }

    func testTheProviderStoreIsBoundedAndExpires() {
        var clock = ManualClock()
        var store = ProviderStore(ttl: .seconds(10), perKey: 2, perPeer: 3, total: 4)
        let k1: [UInt8] = [1], k2: [UInt8] = [2], k3: [UInt8] = [3]
        XCTAssertEqual(store.add(key: k1, provider: Self.peer(1), addresses: [Self.addr], now: clock.now), .stored)
        XCTAssertEqual(store.add(key: k1, provider: Self.peer(1), addresses: [], now: clock.now), .refreshed)
        XCTAssertEqual(store.add(key: k1, provider: Self.peer(2), addresses: [], now: clock.now), .stored)
        XCTAssertEqual(store.add(key: k1, provider: Self.peer(3), addresses: [], now: clock.now), .refused("key has 2 providers"))
        XCTAssertEqual(store.add(key: k2, provider: Self.peer(1), addresses: [], now: clock.now), .stored)
        XCTAssertEqual(store.add(key: k3, provider: Self.peer(1), addresses: [], now: clock.now), .stored)
        XCTAssertEqual(store.add(key: [4], provider: Self.peer(1), addresses: [], now: clock.now), .refused("provider has 3 records"))
        XCTAssertEqual(store.add(key: [5], provider: Self.peer(5), addresses: [], now: clock.now), .refused("store holds 4 records"))
        XCTAssertEqual(store.refused, 3)
        XCTAssertEqual(store.providers(of: k1, now: clock.now).map(\.provider), [Self.peer(1), Self.peer(2)])
        clock.advance(.seconds(11))
        XCTAssertTrue(store.providers(of: k1, now: clock.now).isEmpty, "expired after the TTL")
        store.expire(now: clock.now)
        XCTAssertEqual(store.count, 0)
        XCTAssertEqual(store.add(key: [4], provider: Self.peer(1), addresses: [], now: clock.now), .stored, "room again")
    }

    func testTopicRendezvousKeyIsGoPubsubsDiscoveryKey() {
        // sha256("floodsub:don-a/reports"), as a sha2-256 multihash.
        let key = TopicRendezvous.key(topic: "don-a/reports")
        XCTAssertEqual(Array(key.prefix(2)), [0x12, 0x20])
        XCTAssertEqual(Array(key.dropFirst(2)), Digests.sha256(Array("floodsub:don-a/reports".utf8)))
        XCTAssertTrue(TopicRendezvous.cid(topic: "x").hasPrefix("bafkrei"), "CIDv1 raw sha2-256 in base32")
    }

    func testTheServerAnswersAsTheSpecSays() {
        var clock = ManualClock()
        var server = KadServer(table: KadRoutingTable(local: Self.peer(0), now: clock.now), providers: ProviderStore(perPeer: 2), k: 20)
        for i in 1...30 { server.table.add(Self.peer(i), addresses: [Self.addr], now: clock.now) }
        let asker = Self.peer(1)
        var find = Dht_Pb_Message()
        find.type = .findNode
        find.key = Data(Self.peer(500).bytes)
        let found = server.answer(find, from: asker, address: nil, now: clock.now) { _ in false }
        let closer = KadProtocol.peers(found.reply?.closerPeers ?? []).map(\.0)
        XCTAssertEqual(closer.count, 20)
        XCTAssertFalse(closer.contains(asker), "the asker is not sent back to itself")
        let target = KadKey(hashing: Self.peer(500).bytes)
        XCTAssertEqual(closer, closer.sorted { target.closer(KadKey(hashing: $0.bytes), than: KadKey(hashing: $1.bytes)) }, "closest first")

        // ADD_PROVIDER: only the sender itself is stored; no reply; a flood is reported.
        var add = Dht_Pb_Message()
        add.type = .addProvider
        add.key = Data([7])
        add.providerPeers = [KadProtocol.peer(asker, [Self.addr]), KadProtocol.peer(Self.peer(2), [Self.addr])]
        let added = server.answer(add, from: asker, address: nil, now: clock.now) { _ in false }
        XCTAssertNil(added.reply)
        XCTAssertNil(added.abuse)
        var get = Dht_Pb_Message()
        get.type = .getProviders
        get.key = Data([7])
        let providers = server.answer(get, from: Self.peer(3), address: nil, now: clock.now) { _ in false }
        XCTAssertEqual(KadProtocol.peers(providers.reply?.providerPeers ?? []).map(\.0), [asker], "peer 2 was not the sender: not stored")
        add.key = Data([8])
        _ = server.answer(add, from: asker, address: nil, now: clock.now) { _ in false }
        add.key = Data([9])
        let flood = server.answer(add, from: asker, address: nil, now: clock.now) { _ in false }
        XCTAssertEqual(flood.abuse?.code, "dht_provider_flood")
        // The flood goes on: refused and counted, but penalized at most once a second (each
        // penalty is a write to the penalty history).
        for i in 10..<60 {
            add.key = Data([UInt8(i)])
            XCTAssertNil(server.answer(add, from: asker, address: nil, now: clock.now + .milliseconds(i)) { _ in false }.abuse)
        }
        XCTAssertEqual(server.refusedUnreported, 50)
        add.key = Data([99])
        XCTAssertEqual(server.answer(add, from: asker, address: nil, now: clock.now + .seconds(1)) { _ in false }.abuse?.code, "dht_provider_flood")

        var put = Dht_Pb_Message()
        put.type = .putValue
        XCTAssertNil(server.answer(put, from: asker, address: nil, now: clock.now) { _ in false }.reply, "values are not stored")
        var ping = Dht_Pb_Message()
        ping.type = .ping
        XCTAssertEqual(server.answer(ping, from: asker, address: nil, now: clock.now) { _ in false }.reply?.type, .ping)
        clock.advance(.seconds(1))
    }
}
