import Core
import Gossip
import Wire

/// A router that has met one peer on one topic, made once; each input works on a copy, so
/// inputs stay independent and a crash replays from its file alone.
nonisolated(unsafe) private let meshedRouter: GossipsubRouter = {
    var r = GossipsubRouter(localPeer: "local", seed: 7)
    let now = Instant(nanoseconds: 1_000_000_000)
    _ = r.addPeer("remote", protocol: .meshsub12, outbound: false, ip: "10.0.0.2")
    _ = r.subscribe("don-a/reports", now: now)
    var sub = GossipsubRouter.RPC()
    var opt = GossipsubRouter.RPC.SubOpts()
    opt.subscribe = true
    opt.topicid = "don-a/reports"
    sub.subscriptions = [opt]
    _ = r.handleRPC(from: "remote", sub, now: now)
    _ = r.heartbeat(now: now.advanced(by: .seconds(1)))
    return r
}()

/// gossipsub: uvarint-framed RPC protobufs as a stream carries them, each handed to the router
/// (messages, control, subscriptions), with verdicts and heartbeats in between.
func fuzzGossipsubRPC(_ bytes: [UInt8]) {
    var router = meshedRouter
    var now = Instant(nanoseconds: 3_000_000_000)
    var reader = LengthPrefixedReader(maxLength: 1 << 20)
    reader.append(bytes)
    var frames = 0
    while frames < 64, let frame = try? reader.next() {
        frames += 1
        guard let rpc = try? GossipsubRouter.RPC(serializedBytes: frame) else { continue }
        for action in router.handleRPC(from: "remote", rpc, now: now) {
            // Answer validations so the accept/reject paths run too.
            if case .validate(let id, let m, _) = action {
                let verdict: GossipsubRouter.Verdict = m.data.first.map { $0 & 1 == 0 } ?? true ? .accept : .reject(reason: "fuzz")
                _ = router.validationResult(id, verdict, now: now)
            }
        }
        now = now.advanced(by: .milliseconds(Int64(frame.count % 1500)))
        if frame.count % 3 == 0 { _ = router.heartbeat(now: now) }
    }
}

/// The DHT's server and lookup, from request bytes: decode a Kademlia message, answer it as a
/// server with a filled routing table and a small provider store, and merge its peers into a
/// lookup. Hostile peers lists must stay bounded (checked).
nonisolated(unsafe) private var kadServer: KadServer = {
    let now = Instant(nanoseconds: 1_000_000_000)
    var table = KadRoutingTable(local: try! PrivateKey(seed: [UInt8](repeating: 1, count: 32)).peerID, now: now)
    for i in 2..<40 { table.add(try! PrivateKey(seed: [UInt8](repeating: UInt8(i), count: 32)).peerID, addresses: [], now: now) }
    return KadServer(table: table, providers: ProviderStore(perKey: 8, perPeer: 8, total: 64), k: 20)
}()

private let kadAsker = try! PrivateKey(seed: [UInt8](repeating: 99, count: 32)).peerID

func fuzzKad(_ bytes: [UInt8]) {
    guard let m = try? Dht_Pb_Message(serializedBytes: bytes) else { return }
    let a = kadServer.answer(m, from: kadAsker, address: nil, now: Instant(nanoseconds: 2_000_000_000)) { _ in false }
    precondition((a.reply?.closerPeers.count ?? 0) <= 20, "a reply names at most k closer peers")
    precondition(kadServer.providers.count <= 64, "the provider store stays bounded")
    var lookup = KadLookup(target: Array(m.key), local: kadAsker, seeds: KadProtocol.peers(m.closerPeers))
    for (peer, _) in lookup.next() { lookup.answered(peer, closer: KadProtocol.peers(m.providerPeers + m.closerPeers)) }
    precondition(lookup.candidates.count <= lookup.maxCandidates, "a lookup's candidates stay bounded")
}

/// mDNS packets (any host on the link may send them): the DNS decoder and the peers read from a
/// response.
func fuzzMDNS(_ bytes: [UInt8]) {
    guard let m = try? DNSMessage(bytes: bytes) else { return }
    let peers = MDNSDiscovery().peers(in: m)
    precondition(peers.allSatisfy { $0.1.count <= KadRoutingTable.maxAddresses }, "addresses per peer stay bounded")
    _ = MDNSDiscovery().isQuery(m, peerName: "fuzz")
    _ = try? m.encode()
    var finder = MDNSPeerFinder(records: MDNSDiscovery(), local: kadAsker, peerName: "fuzz")
    finder.addresses = [try! Multiaddr("/ip4/10.0.0.1/tcp/4001/p2p/\(kadAsker)")]
    let actions = finder.receive(bytes, now: Instant(nanoseconds: 1))
    precondition(actions.count <= peers.count + 1, "a packet yields at most one answer and one find per peer")
}
