import AgentAPI
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
}
