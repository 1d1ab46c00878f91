import Core
import Prometheus

/// The agent's Prometheus metrics: messages by topic and verdict, validation latency, queue
/// depth, drops, peers, mesh sizes, peer scores, store append latency and batch size.
public final class AgentMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    let validationLatency: DurationHistogram
    let appendLatency: DurationHistogram
    let appendBatch: ValueHistogram
    let queueDepth: Gauge
    let peers: Gauge
    let validators: Gauge
    let droppedQueueFull: Gauge
    let droppedRateLimited: Gauge
    let droppedTimeout: Gauge
    let storeHealthy: Gauge

    static let latencyBuckets: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2.5), .milliseconds(5),
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .seconds(2.5), .seconds(5),
    ]

    public init() {
        validationLatency = registry.makeDurationHistogram(
            name: "p2pmq_validation_seconds", buckets: Self.latencyBuckets, help: "From handing a message to validation to its verdict")
        appendLatency = registry.makeDurationHistogram(
            name: "p2pmq_store_append_seconds", buckets: Self.latencyBuckets, help: "Persisting one validated message (group commit included)")
        appendBatch = registry.makeValueHistogram(
            name: "p2pmq_store_append_batch_items", buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096],
            help: "Items per store append call")
        queueDepth = registry.makeGauge(name: "p2pmq_validation_queue_depth", help: "Messages waiting for a validation slot")
        peers = registry.makeGauge(name: "p2pmq_peers", help: "Connected peers")
        validators = registry.makeGauge(name: "p2pmq_validators", help: "Validators connected over ValidationRouter.Handle")
        droppedQueueFull = registry.makeGauge(name: "p2pmq_validation_dropped_queue_full", help: "Messages given IGNORE because the validation queue was full (since start)")
        droppedRateLimited = registry.makeGauge(name: "p2pmq_validation_dropped_rate_limited", help: "Messages given IGNORE unjudged for being over a peer's or the node's inbound rate (since start)")
        droppedTimeout = registry.makeGauge(name: "p2pmq_validation_dropped_timeout", help: "Messages given IGNORE because no verdict came in time (since start)")
        storeHealthy = registry.makeGauge(name: "p2pmq_store_healthy", help: "1 while the store takes writes, 0 after a write failed")
        storeHealthy.set(to: 1.0)
    }

    func message(topic: String, verdict: String) {
        registry.makeCounter(name: "p2pmq_messages_total", labels: [("topic", topic), ("verdict", verdict)],
                             help: "Messages validated, by topic and verdict").increment()
    }

    func mesh(topic: String, size: Int) {
        registry.makeGauge(name: "p2pmq_mesh_peers", labels: [("topic", topic)], help: "Mesh members per topic").set(to: Double(size))
    }

    /// The DHT's routing table, provider records, lookups and queries by outcome (set from its
    /// counters once a second).
    func dht(tableSize: Int, providerRecords: Int, lookups: Int, answered: Int, failed: Int, served: Int, refused: Int) {
        registry.makeGauge(name: "p2pmq_dht_routing_table_peers", help: "Peers in the DHT routing table").set(to: Double(tableSize))
        registry.makeGauge(name: "p2pmq_dht_provider_records", help: "Provider records stored for other peers and ourselves").set(to: Double(providerRecords))
        registry.makeGauge(name: "p2pmq_dht_lookups", help: "Iterative DHT lookups run (since start)").set(to: Double(lookups))
        for (outcome, n) in [("answered", answered), ("failed", failed)] {
            registry.makeGauge(name: "p2pmq_dht_queries", labels: [("outcome", outcome)], help: "DHT queries this node sent, by outcome (since start)").set(to: Double(n))
        }
        registry.makeGauge(name: "p2pmq_dht_requests_served", help: "DHT requests this node answered (since start)").set(to: Double(served))
        registry.makeGauge(name: "p2pmq_dht_providers_refused", help: "ADD_PROVIDER records refused over the store's bounds (since start)").set(to: Double(refused))
    }

    /// mDNS's packets and peers (set from its counters once a second).
    func mdns(_ s: MDNSPeerFinder.Stats) {
        registry.makeGauge(name: "p2pmq_mdns_queries_sent", help: "mDNS queries this node multicast (since start)").set(to: Double(s.queriesSent))
        for (kind, n) in [("sent", s.answersSent), ("suppressed", s.answersSuppressed)] {
            registry.makeGauge(name: "p2pmq_mdns_answers", labels: [("outcome", kind)], help: "mDNS answers multicast, or held back by the once-a-second rule (since start)").set(to: Double(n))
        }
        registry.makeGauge(name: "p2pmq_mdns_malformed_packets", help: "mDNS packets that were not DNS messages (since start)").set(to: Double(s.malformed))
        registry.makeGauge(name: "p2pmq_mdns_peers_found", help: "Peers mDNS responses announced, each counted again after 30 s (since start)").set(to: Double(s.peersFound))
    }

    func score(peer: String, _ value: Double) {
        registry.makeGauge(name: "p2pmq_peer_score", labels: [("peer", peer)], help: "Gossipsub score of each connected peer").set(to: value)
    }

    public func text() -> String { registry.emitToString() }
}

extension AgentMetrics {
    func overQuota(topic: String) {
        registry.makeCounter(name: "p2pmq_records_over_quota_total", labels: [("topic", topic)],
                             help: "Records not accepted and not written: the log holds its quota of such records (store.nonAcceptedQuota)").increment()
    }

    func synced(_ what: String, _ n: Int) {
        guard n > 0 else { return }
        registry.makeCounter(name: "p2pmq_sync_records_total", labels: [("what", what)],
                             help: "Range sync records: fetched, appended, served, ignored, forged, corrupt_skipped").increment(by: Int64(n))
    }
}
