import Agent
import Core
import Foundation
import Wire

/// What `p2pmq agent --config FILE --check` prints: the settings that matter, as loaded.
enum ConfigSummary {
    static func describe(_ c: AgentConfig, path: String) -> String {
        var lines = ["\(path): valid"]
        func add(_ key: String, _ value: String) { lines.append("  \(key.padding(toLength: 18, withPad: " ", startingAt: 0)) \(value)") }
        add("peer id", c.privateKey.map { $0.peerID.description } ?? "(new key at each start: set privateKey)")
        add("listen", c.listenAddrs.map(\.description).joined(separator: " "))
        add("private network", c.psk == nil ? "no" : "yes (psk)")
        add("discovery", "mode \(c.discoveryMode.rawValue)")
        add("bootstrappers", c.bootstrappers.isEmpty ? "none" : c.bootstrappers.map(\.description).joined(separator: " "))
        add("topics", c.topics.isEmpty ? "none at start" : c.topics.map(\.name).joined(separator: ", "))
        let g = c.gossip
        add("mesh", "D=\(g.d) Dlo=\(g.dLow) Dhi=\(g.dHigh) Dlazy=\(g.dLazy) heartbeat=\(g.heartbeatInterval)")
        add("sign policy", g.signPolicy == .strictSign ? "strictSign" : "strictNoSign")
        add("message ids", ([describe(g.messageIDFunction)] + g.topicMessageIDFunctions.sorted { $0.key < $1.key }.map { "\($0.key): \(describe($0.value))" })
            .joined(separator: "; "))
        let t = g.thresholds
        add("thresholds", "gossip=\(t.gossipThreshold) publish=\(t.publishThreshold) graylist=\(t.graylistThreshold) acceptPx=\(t.acceptPXThreshold) opportunisticGraft=\(t.opportunisticGraftThreshold)")
        add("validation", "timeout=\(c.validationTimeout) concurrency=\(c.validationConcurrency) queue=\(c.validationQueueSize) without validator=\(c.effectiveWhenNoValidator.rawValue)")
        let l = c.rateLimits
        add("rate limits", "per peer \(l.peerRate)/s burst \(l.peerBurst), global \(l.globalRate)/s burst \(l.globalBurst) (0: none), penalty every \(l.penaltyEvery) drops")
        add("dons", c.dons.isEmpty ? "none" : c.dons.joined(separator: ", "))
        add("store", "\(c.dataDir) durability=\(c.store.durability.rawValue)")
        add("grpc", c.grpcAddress)
        add("metrics", c.metricsAddress ?? "off")
        if let t = c.trace {
            add("pubsub trace", (t.jsonFile ?? "no file") + (t.skiplist.isEmpty ? "" : ", skipping " + t.skiplist.map(\.goName).sorted().joined(separator: ",")) + (t.debug ? ", logged" : ""))
        }
        for w in c.warnings { lines.append("warning: \(w)") }
        return lines.joined(separator: "\n")
    }

    static func describe(_ f: MessageIDFunction) -> String {
        switch f {
        case .hash(let digest, let size): "\(digest.rawValue), \(size) bytes, hex"
        case .fromAndSeqno: "from + seqno"
        }
    }
}
