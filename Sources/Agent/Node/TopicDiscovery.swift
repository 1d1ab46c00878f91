import Core
import Discovery
import Gossip
import Host
import Logging
import Wire

/// Topic rendezvous through the DHT, as go-libp2p-pubsub's discovery does it: every subscribed
/// topic is advertised as a provider record (`TopicRendezvous.key`; the DHT republishes it), and
/// while a topic's mesh is below D_lo its providers are looked up and dialed. A sidecar that
/// knows only a public bootstrap node thus finds its topic's peers.
struct TopicDiscovery {
    let dht: KadDHT
    let pubsub: PubsubService
    let host: P2PHost
    let dLow: Int
    let interval: Duration
    let logger: Logger

    func run() async throws {
        var advertised = Set<String>()
        while !Task.isCancelled {
            var short = false
            let topics = await pubsub.subscriptions()
            let mesh = await pubsub.meshPeers()
            for topic in topics.sorted() {
                if !advertised.contains(topic) {
                    let stored = await dht.provide(TopicRendezvous.key(topic: topic))
                    advertised.insert(topic)
                    logger.debug("advertised topic \(topic) in the DHT at \(stored) peers")
                }
                guard (mesh[topic]?.count ?? 0) < dLow else { continue }
                short = true
                // Many providers, not the first few: records of a busy topic sit at different
                // peers, and always dialing the first answer's providers makes hubs whose full
                // meshes prune newcomers (seen with 30 agents: half stuck below D_lo for a minute).
                let found = await dht.findProviders(TopicRendezvous.key(topic: topic), count: 64)
                // A few new peers per round (the mesh takes them at its next heartbeat, and PX
                // brings more); not every provider of a big topic at once.
                let fresh = found.filter { $0.0 != host.peerID && host.connections(to: $0.0).isEmpty }.shuffled().prefix(dLow)
                for (peer, addrs) in fresh where (try? await dht.connection(to: peer, addresses: addrs)) != nil {
                    logger.debug("dialed \(peer), a provider of topic \(topic)")
                }
            }
            // A topic short of peers is looked up again soon (providers that advertised after
            // the last lookup); a full mesh only every interval.
            try await Task.sleep(for: short ? min(interval, .seconds(3)) : interval)
        }
    }
}
