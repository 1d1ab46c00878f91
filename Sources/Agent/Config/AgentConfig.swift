import Foundation
import Core
import Gossip
import Host
import Store
import Wire

/// The agent's configuration: the Go p2pmq's keys (`listenAddrs`, `privateKey`, `psk`,
/// `dialTimeout`, `connManager`, `discovery`, `pubsub`, `msgRouterQueueSize`, `msgRouterWorkers`,
/// `mdnsTag`) plus `store`, `validation`, `dons`, `sync`, `grpc`, `metrics`, `dataDir`. Values are already
/// mapped onto the layers' own types (HostConfig, GossipsubConfig, PeerScoreParams, StoreOptions).
public struct AgentConfig: Sendable {
    /// The Go agent's DHT modes: boot (DHT server), server (auto server), client; any other value
    /// is DHT auto mode there, and `auto` here.
    public enum DiscoveryMode: String, Sendable { case boot, server, client, auto }
    /// What validates messages while no validator is connected.
    public enum WhenNoValidator: String, Sendable { case don, ignore, accept }

    public var privateKey: PrivateKey?
    public var listenAddrs: [Multiaddr] = [try! Multiaddr("/ip4/127.0.0.1/tcp/4001")]
    public var psk: PreSharedKey?
    public var dialTimeout: Duration = .seconds(15)
    public var userAgent = "p2pmq-swift/0.1.0"
    public var connectionManager = ConnectionManagerPolicy(lowWater: 5, highWater: 25, gracePeriodSeconds: 60)
    public var discoveryMode = DiscoveryMode.server
    /// A `discovery` section was given: the agent runs the Kademlia DHT (as the Go agent does
    /// whenever it has one), in server mode for `boot` and `server`, client mode otherwise.
    public var dhtEnabled = false
    public var bootstrappers: [Multiaddr] = []
    public var protocolPrefix = "p2pmq"
    public var mdnsTag: String?

    public var gossip = GossipsubConfig()
    /// Where the direct peers of `gossip.directPeers` are dialed.
    public var directPeerAddresses: [Multiaddr] = []
    public var scoring: PeerScoreParams = {
        var p = PeerScoreParams()
        p.defaultTopic = TopicScoreParams()
        return p
    }()
    /// Topics subscribed at start, with per-topic validation overrides.
    public var topics: [TopicConfig] = []
    public var maxMessageSize = 1 << 20

    public var msgRouterQueueSize = 1024
    public var msgRouterWorkers = 10

    public var store = StoreOptions()
    /// Catch-up from peers and serving them (`/p2pmq/sync/1.0.0`).
    public var sync = SyncOptions()
    public var validationTimeout: Duration = .seconds(5)
    public var validationConcurrency = 64
    public var validationQueueSize = 1024
    /// Inbound validation work per forwarding peer and in all (`validation.rateLimit`).
    public var rateLimits = InboundRateLimit.Limits()
    /// nil: `don` when DONs are configured, else `ignore`.
    public var whenNoValidator: WhenNoValidator?
    /// Genesis files or DON config files (don.json), relative to the config file (docs/DON.md).
    public var dons: [String] = []

    /// false only for benchmarks measuring the bare gossip path (nothing is stored).
    public var persistVerdicts = true

    public var grpcAddress = "127.0.0.1:8001"
    public var metricsAddress: String?
    public var dataDir = "./p2pmq-data"

    /// `pubsub.trace`: go-libp2p-pubsub's trace events, as the Go agent writes them.
    public var trace: TraceConfig?

    /// Keys of the Go agent that are accepted but have no effect here, for the start-up log.
    public var warnings: [String] = []

    public struct TopicConfig: Sendable, Equatable {
        public var name: String
        public var bufferSize = 0
        /// Messages per second accepted from the network (0: no limit).
        public var rateLimit = 0.0
        public var validationTimeout: Duration?
        public var validationConcurrency: Int?

        public init(name: String) { self.name = name }
    }

    public struct TraceConfig: Sendable, Equatable {
        /// The JSON-lines file (truncated at start, as the Go agent does); nil: none.
        public var jsonFile: String?
        /// Event types left out (trace.proto names, e.g. RECV_RPC).
        public var skiplist: Set<TraceEvent.Kind> = []
        /// Also log every event at debug level.
        public var debug = false

        public init() {}
    }

    public init() {}

    public var effectiveWhenNoValidator: WhenNoValidator { whenNoValidator ?? (dons.isEmpty ? .ignore : .don) }

    /// The host configuration for `identity` (the configured key, or a new one).
    public func hostConfig(identity: PrivateKey) -> HostConfig {
        var c = HostConfig(identity: identity)
        c.agentVersion = userAgent
        c.dialTimeoutSeconds = max(1, dialTimeout.components.seconds)
        c.connectionManager = connectionManager
        c.psk = psk
        c.maxMessageSize = maxMessageSize
        return c
    }
}
