import Agent
import AgentAPI
import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Store

/// Runs `body` with the Admin client of the agent at `agent`, turning connection and RPC
/// failures into messages that say which agent and why.
func withAdmin<T: Sendable>(_ agent: String, _ body: @Sendable @escaping (Proto_Admin.Client<HTTP2ClientTransport.Posix>) async throws -> T) async throws -> T {
    guard let address = GRPCAddress(agent) else { throw ValidationError("--agent \(agent) is not host:port or unix:/path") }
    do {
        return try await withGRPCClient(transport: try address.clientTransport()) { client in
            try await body(Proto_Admin.Client(wrapping: client))
        }
    } catch let e as RPCError {
        throw ValidationError("the agent at \(agent): \(e.code): \(e.message)")
    }
}

/// `p2pmq peers`: the agent's peers, how each was found, direction, mesh topics and score.
struct PeersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peers",
        abstract: "List a running agent's peers: how each was found, direction, mesh topics, score.",
        discussion: """
            FOUND_BY is how the agent came to know the peer: bootstrap (a configured \
            bootstrapper), direct (a configured direct peer), dht (dialed by the Kademlia DHT: \
            a topic's provider or a peer it queried), mdns, px (dialed on a peer exchange) or \
            inbound (it dialed us). Peers no longer connected whose score is still kept are \
            listed with connected false.
            """)

    @Option(help: "The agent's gRPC address, host:port or unix:/path.") var agent = "127.0.0.1:8001"
    @Flag(help: "One JSON object per peer.") var json = false

    func run() async throws {
        let peers = try await withAdmin(agent) { try await $0.peers(.init()).peers }
        if json {
            for p in peers {
                var line = JSONLine()
                line.add("peer_id", p.peerID)
                line.add("found_by", p.foundBy)
                line.add("direction", p.outbound ? "outbound" : "inbound")
                line.addRaw("connected", p.connected ? "true" : "false")
                line.addRaw("mesh_topics", "[" + p.meshTopics.map(JSONLine.quote).joined(separator: ",") + "]")
                line.add("score", p.score.total)
                line.addRaw("addresses", "[" + p.addresses.map(JSONLine.quote).joined(separator: ",") + "]")
                line.add("agent_version", p.agentVersion)
                print(line.text)
            }
            return
        }
        var table = Table(["peer_id", "found_by", "direction", "connected", "mesh_topics", "score", "agent_version"])
        for p in peers {
            table.add([.text(p.peerID), .text(p.foundBy), .text(p.outbound ? "outbound" : "inbound"), .text(p.connected ? "yes" : "no"),
                       .text(p.meshTopics.joined(separator: ",")), .decimal(p.score.total), .text(p.agentVersion)])
        }
        print(table.render(.table), terminator: "")
        if peers.isEmpty { note("no peers") }
    }
}

/// `p2pmq dht`: the agent's Kademlia DHT.
struct DHTCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dht",
        abstract: "Inspect a running agent's Kademlia DHT: routing table, peer routing, topic providers.",
        subcommands: [RoutingTable.self, FindPeer.self, Providers.self])

    struct Options: ParsableArguments {
        @Option(help: "The agent's gRPC address, host:port or unix:/path.") var agent = "127.0.0.1:8001"
        @Flag(help: "One JSON object per peer, then one with the DHT's counters.") var json = false
    }

    static func show(_ response: Proto_DhtResponse, _ options: Options, bucket: Bool) throws {
        guard response.enabled else { throw ValidationError(response.problem) }
        if options.json {
            for p in response.peers {
                var line = JSONLine()
                line.add("peer_id", p.peerID)
                line.addRaw("addresses", "[" + p.addresses.map(JSONLine.quote).joined(separator: ",") + "]")
                if bucket {
                    line.add("bucket", UInt64(p.bucket))
                    line.add("last_seen_seconds", p.lastSeenSeconds)
                }
                print(line.text)
            }
            var summary = JSONLine()
            summary.add("protocol", response.protocol)
            summary.add("mode", response.mode)
            summary.add("provider_records", response.providerRecords)
            summary.add("lookups", response.lookups)
            summary.add("queries_answered", response.queriesAnswered)
            summary.add("queries_failed", response.queriesFailed)
            summary.add("requests_served", response.requestsServed)
            summary.add("providers_refused", response.providersRefused)
            print(summary.text)
            return
        }
        var table = Table(bucket ? ["peer_id", "bucket", "last_seen_s", "addresses"] : ["peer_id", "addresses"])
        for p in response.peers {
            let addrs = Cell.text(p.addresses.joined(separator: " "))
            table.add(bucket ? [.text(p.peerID), .number(UInt64(p.bucket)), .decimal(p.lastSeenSeconds), addrs] : [.text(p.peerID), addrs])
        }
        print(table.render(.table), terminator: "")
        note("\(response.protocol) (\(response.mode) mode): \(response.peers.count) peers shown, \(response.providerRecords) provider records, \(response.lookups) lookups, queries \(response.queriesAnswered) answered / \(response.queriesFailed) failed, \(response.requestsServed) requests served")
    }

    struct RoutingTable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "routing-table", abstract: "The routing table, closest to the agent first.")
        @OptionGroup var options: Options
        func run() async throws {
            try DHTCommand.show(try await withAdmin(options.agent) { try await $0.dht(.with { $0.routingTable = true }) }, options, bucket: true)
        }
    }

    struct FindPeer: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "find-peer", abstract: "A peer's addresses, through the DHT if the agent does not know them.")
        @Argument(help: "The peer id (12D3KooW...).") var peer: String
        @OptionGroup var options: Options
        func run() async throws {
            let peer = self.peer
            let response = try await withAdmin(options.agent) { try await $0.dht(.with { $0.findPeer = peer }) }
            if response.enabled, response.peers.isEmpty { throw ValidationError("\(peer) was not found in the DHT") }
            try DHTCommand.show(response, options, bucket: false)
        }
    }

    struct Providers: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The providers of a topic's rendezvous key (who advertised the topic).",
            discussion: "The key is the sha2-256 multihash of \"floodsub:\" + TOPIC, where go-libp2p-pubsub's discovery advertises topics too.")
        @Argument(help: "The topic.") var topic: String
        @OptionGroup var options: Options
        func run() async throws {
            let topic = self.topic
            try DHTCommand.show(try await withAdmin(options.agent) { try await $0.dht(.with { $0.providers = topic }) }, options, bucket: false)
        }
    }
}
