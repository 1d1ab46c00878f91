import AgentAPI
import Core
import Discovery
import GRPCCore
import Host
import Store
import Wire

/// `proto.Admin`: connected peers with their score breakdown, topics with mesh and log size,
/// and health (serving or why not, validators, queue and drops).
struct AdminService: Proto_Admin.SimpleServiceProtocol {
    let node: AgentNode

    func peers(request: Proto_PeersRequest, context: ServerContext) async throws -> Proto_PeersResponse {
        let pubsub = node.pubsub, host = node.host
        let mesh = await pubsub.meshPeers()
        var out = Proto_PeersResponse()
        var seen: Set<String> = []
        func entry(_ peer: PeerID, connection: Connection?) async -> Proto_PeerInfo {
            let id = peer.description
            let b = await pubsub.scoreBreakdown(id)
            let info = host.peerStore.info(peer)
            return .with {
                $0.peerID = id
                $0.addresses = (info?.addresses ?? []).map(\.description)
                $0.agentVersion = info?.agentVersion ?? ""
                $0.outbound = connection?.isInitiator ?? false
                $0.meshTopics = mesh.filter { $0.value.contains(id) }.keys.sorted()
                $0.score = .with {
                    $0.total = b.total
                    $0.topics = b.topics
                    $0.appSpecific = b.appSpecific
                    $0.ipColocation = b.ipColocation
                    $0.behaviour = b.behaviour
                }
                $0.connected = connection != nil
                $0.refusedForSeconds = host.refusedFor(peer)
                $0.foundBy = node.foundBy(peer, outbound: connection?.isInitiator ?? false)
            }
        }
        for connection in host.connections {
            guard let peer = connection.remotePeer, seen.insert(peer.description).inserted else { continue }
            out.peers.append(await entry(peer, connection: connection))
        }
        // Peers gone whose score is still kept (a refused attacker among them).
        for id in await pubsub.scoredPeers() where !seen.contains(id) {
            guard let peer = try? PeerID(id) else { continue }
            out.peers.append(await entry(peer, connection: nil))
        }
        out.peers.sort { $0.peerID < $1.peerID }
        return out
    }

    func topics(request: Proto_TopicsRequest, context: ServerContext) async throws -> Proto_TopicsResponse {
        let subscribed = await node.pubsub.subscriptions()
        let mesh = await node.pubsub.meshPeers()
        let stored = Dictionary(try node.store.topics().map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        return .with {
            $0.topics = subscribed.union(stored.keys).sorted().map { name in
                .with {
                    $0.topic = name
                    $0.subscribed = subscribed.contains(name)
                    $0.mesh = mesh[name] ?? []
                    $0.nextOffset = stored[name]?.nextOffset ?? 0
                    $0.storedBytes = stored[name]?.bytes ?? 0
                }
            }
        }
    }

    func health(request: Proto_HealthRequest, context: ServerContext) async throws -> Proto_HealthResponse {
        let problem = await node.storeProblem
        let stats = await node.pubsub.stats
        let queue = await node.pubsub.validationQueueDepth()
        let validators = await node.validators.count
        let peers = Set(node.host.connections.compactMap(\.remotePeer)).count
        return .with {
            $0.serving = problem == nil
            $0.problem = problem ?? ""
            $0.peers = UInt32(peers)
            $0.validators = UInt32(validators)
            $0.validationQueue = UInt64(queue)
            $0.droppedQueueFull = UInt64(stats.droppedQueueFull)
            $0.droppedTimeout = UInt64(stats.droppedTimeout)
        }
    }

    func dht(request: Proto_DhtRequest, context: ServerContext) async throws -> Proto_DhtResponse {
        guard let dht = node.dht else {
            return .with { $0.problem = "this agent runs no DHT: give it a `discovery` section (docs/DISCOVERY.md)" }
        }
        let stats = await dht.stats
        var out = Proto_DhtResponse.with {
            $0.enabled = true
            $0.protocol = dht.protocolID
            $0.mode = dht.mode.rawValue
            $0.lookups = UInt64(stats.lookups)
            $0.queriesAnswered = UInt64(stats.queriesAnswered)
            $0.queriesFailed = UInt64(stats.queriesFailed)
            $0.requestsServed = UInt64(stats.requestsServed)
            $0.providersRefused = UInt64(stats.providersRefused)
        }
        out.providerRecords = UInt64(await dht.providerRecords)
        switch request.query {
        case .routingTable, nil:
            let now = SystemClock().now
            let local = KadKey(hashing: node.host.peerID.bytes)
            out.peers = await dht.routingTable.map { e in
                .with {
                    $0.peerID = e.peer.description
                    $0.addresses = e.addresses.map(\.description)
                    $0.bucket = UInt32(local.commonPrefixLength(with: e.key))
                    $0.lastSeenSeconds = now.since(e.lastSeen).seconds
                }
            }
        case .findPeer(let text):
            guard let peer = try? PeerID(text) else { throw RPCError(code: .invalidArgument, message: "'\(text)' is not a peer id") }
            if let addrs = await dht.findPeer(peer) {
                out.peers = [.with { $0.peerID = text; $0.addresses = addrs.map(\.description) }]
            }
        case .providers(let topic):
            guard !topic.isEmpty else { throw RPCError(code: .invalidArgument, message: "name a topic") }
            out.peers = await dht.findProviders(TopicRendezvous.key(topic: topic)).map { p in
                .with { $0.peerID = p.0.description; $0.addresses = p.1.map(\.description) }
            }.sorted { $0.peerID < $1.peerID }
        }
        return out
    }
}
