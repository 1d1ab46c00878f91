/// Mesh changes and the trace events the router alone can see (duplicates, signature and
/// blacklist rejections, peers added and removed, GRAFT and PRUNE of its own mesh). Events are
/// kept only while `tracing` is on; `NodeCore` takes them after each call.
extension GossipsubRouter {
    /// `peer` joined our mesh of `topic`: P1 starts, and the GRAFT is traced.
    mutating func grafted(_ peer: String, topic: String, now: Instant) {
        score.graft(peer, topic: topic, now: now)
        trace(TraceEvent(.graft, peer: peer, topic: topic))
    }

    /// `peer` left our mesh of `topic`: P3b is settled, and the PRUNE is traced.
    mutating func pruned(_ peer: String, topic: String) {
        score.prune(peer, topic: topic)
        trace(TraceEvent(.prune, peer: peer, topic: topic))
    }

    /// Keeps `event` while tracing (callers guard events that cost to build with `tracing`).
    mutating func trace(_ event: TraceEvent) {
        if tracing { traceLog.append(event) }
    }

    /// The events since the last call, oldest first.
    public mutating func takeTrace() -> [TraceEvent] {
        defer { traceLog.removeAll(keepingCapacity: true) }
        return traceLog
    }
}
