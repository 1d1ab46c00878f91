import Agent
import Foundation
import Core
import Gossip
import Host
import NIOConcurrencyHelpers
import TestSupport
import Wire

/// The attacks on one honest agent, over one libp2p connection (Noise, yamux, a real
/// /meshsub/1.1.0 stream): each turn sends the next attack of the list.
final class HostileSession: Sendable {
    typealias RPC = GossipsubRouter.RPC

    let target: Multiaddr
    let connection: Connection
    let forge: ReportForge
    let topics: [String]
    let peek: SyncPeek
    let learned: LearnedIDs
    /// The DHT protocol honest agents serve, and how we name ourselves as a provider.
    let dhtProtocol: String
    let asProvider: Dht_Pb_Message.Peer
    private let stream: MuxedStream
    private let counts = NIOLockedValueBox([String: Int]())

    var sent: [String: Int] { counts.withLockedValue { $0 } }

    init(target: Multiaddr, connection: Connection, forge: ReportForge, topics: [String], peek: SyncPeek, learned: LearnedIDs,
         dhtProtocol: String, asProvider: Dht_Pb_Message.Peer) async throws {
        self.dhtProtocol = dhtProtocol
        self.asProvider = asProvider
        self.target = target
        self.connection = connection
        self.forge = forge
        self.topics = topics
        self.peek = peek
        self.learned = learned
        stream = try await connection.openStream([PubsubProtocol.meshsub11.rawValue])
        // A normal hello first: subscriptions to every topic, so the agent gossips to us.
        try await send(.with { rpc in
            rpc.subscriptions = topics.map { t in .with { $0.subscribe = true; $0.topicid = t } }
        })
    }

    private func send(_ rpc: RPC) async throws {
        try await stream.writeMessage(try rpc.serializedBytes())
    }

    private func count(_ attack: HostileAttack) {
        counts.withLockedValue { $0[attack.rawValue, default: 0] += 1 }
    }

    /// One attack; errors (the agent reset the stream or dropped us) end the session.
    func run(_ attack: HostileAttack, turn: Int) async throws {
        let topic = forge.topic
        switch attack {
        case .forgedSignature, .underQuorum, .staleReplay, .unrealisticSeq:
            guard let s = peek.streams[forge.config.id],
                  let data = try forge.report(for: attack, head: s.head, first: s.first, turn: turn) else { return }
            try await send(.with { $0.publish = [.with { $0.topic = topic; $0.data = Data(data) }] })
        case .ihaveFlood:
            // Many IHAVE per heartbeat, each naming ids nobody has; the IWANTs it draws are
            // never answered (a broken promise).
            for _ in 0..<15 {
                let ids = (0..<200).map { _ in Hex.encode((0..<20).map { _ in UInt8.random(in: 0...255) }) }
                try await send(.with { $0.control.ihave = [.with { $0.topicID = topic; $0.messageIds = ids.map { Data($0.utf8) } }] })
            }
        case .iwantFlood:
            let ids = (peek.recentIDs + learned.ids).suffix(50)
            guard !ids.isEmpty else { return }
            for _ in 0..<10 {
                try await send(.with { $0.control.iwant = [.with { $0.messageIds = ids.map { Data($0.utf8) } }] })
            }
        case .graftBackoff:
            try await send(.with { $0.control.prune = [.with { $0.topicID = topic; $0.backoff = 60 }] })
            try await send(.with { $0.control.graft = [.with { $0.topicID = topic }] })
        case .oversizeFrame:
            let other = try await connection.openStream([PubsubProtocol.meshsub11.rawValue])
            try await other.write(Varint.encode(10 << 20) + [UInt8](repeating: 0x0A, count: 4096))
            await other.close()
        case .garbageFrame:
            // A field number with wire type 7 never decodes, whatever follows.
            try await stream.writeMessage([0xFF, 0xFF, 0xFF, 0x0F] + (0..<60).map { _ in UInt8.random(in: 0...255) })
        case .subscriptionSpam:
            try await send(.with { rpc in
                rpc.subscriptions = (0..<5000).map { i in .with { $0.subscribe = true; $0.topicid = "spam/\(turn)/\(i)" } }
            })
        case .rawGarbage:
            guard let (host, port) = target.hostAndPort else { return }
            let tcp = try RawTCP(host: host, port: port)
            tcp.send((0..<4096).map { _ in UInt8.random(in: 0...255) })
            _ = tcp.readUntilClosed(timeout: 1)
        case .dhtProviderFlood:
            // Past the per-peer bound (256 records) in one turn: every further record is refused.
            let kad = try await connection.openStream([dhtProtocol])
            for _ in 0..<300 {
                var m = Dht_Pb_Message()
                m.type = .addProvider
                m.key = Data((0..<34).map { _ in UInt8.random(in: 0...255) })
                m.providerPeers = [asProvider]
                try await kad.writeMessage(try m.serializedBytes())
            }
            await kad.close()
        case .lyingSync, .dhtLies:
            return
        }
        count(attack)
    }
}

/// Message ids the honest agents announced to us (IHAVE) or sent us: real ids for IWANT floods.
final class LearnedIDs: Sendable {
    private let state = NIOLockedValueBox([String]())
    var ids: [String] { state.withLockedValue { $0 } }

    func note(_ rpc: GossipsubRouter.RPC) {
        var fresh = rpc.control.ihave.flatMap { $0.messageIds.map { String(decoding: $0, as: UTF8.self) } }
        fresh += rpc.publish.map { MessageIDFunction.contentHash(of: Array($0.data)) }
        guard !fresh.isEmpty else { return }
        state.withLockedValue { $0 = Array(($0 + fresh).suffix(200)) }
    }
}
