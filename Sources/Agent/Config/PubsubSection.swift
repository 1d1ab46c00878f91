import Foundation
import Core
import Gossip
import Wire

/// The `pubsub` section: the Go agent's keys (`topics`, `overlay`, `subFilter`, `maxMessageSize`,
/// `msgValidationTimeout`, `scoring`, `msgValidator`, `msgIDFn`, `trace`) plus `signPolicy` and
/// `directPeers`.
enum PubsubSection {
    static func read(_ n: ConfigNode, into c: inout AgentConfig) throws {
        let p = try n.fields([
            "topics", "overlay", "subFilter", "maxMessageSize", "msgValidationTimeout", "scoring", "msgValidator",
            "msgIDFn", "trace", "signPolicy", "directPeers", "graylistRefusal",
        ])
        if let v = p["graylistRefusal"] {
            c.gossip.graylistRefusal = (try? v.string()) == "off" ? nil : try v.duration()
        }
        if let v = p["signPolicy"] {
            c.gossip.signPolicy = try v.choice(["strictNoSign", "strictSign"]) == "strictSign" ? .strictSign : .strictNoSign
            c.gossip.messageIDFunction = c.gossip.signPolicy == .strictSign ? .fromAndSeqno : .contentHash
        }
        if let v = p["msgIDFn"], let f = try msgIDFunction(v) { c.gossip.messageIDFunction = f }
        if let v = p["overlay"] { try overlay(v, &c.gossip) }
        if let v = p["subFilter"] {
            let s = try v.fields(["pattern", "limit"])
            if let pattern = s["pattern"] {
                let text = try pattern.string()
                do { _ = try Regex(text) } catch { throw pattern.fail("not a regular expression: \(error)") }
                c.gossip.subscriptionFilter.allowedPattern = text
                c.gossip.subscriptionFilter.allowedTopics = []
            }
            if let limit = s["limit"] { c.gossip.subscriptionFilter.maxTopicsPerPeer = try limit.int(in: 1...1 << 20) }
        }
        if let v = p["maxMessageSize"] { c.maxMessageSize = try v.int(in: 1024...64 << 20) }
        if let v = p["msgValidationTimeout"] { c.validationTimeout = try AgentConfig.positive(v) }
        if let v = p["msgValidator"] {
            let m = try v.fields(["timeout", "concurrency"])
            if let t = m["timeout"] { c.validationTimeout = try AgentConfig.positive(t) }
            if let t = m["concurrency"] { c.validationConcurrency = try t.int(in: 1...65536) }
        }
        if let v = p["scoring"] { try ScoringSection.read(v, into: &c) }
        if let v = p["trace"] { c.trace = try trace(v) }
        if let v = p["directPeers"] {
            for node in try v.list() {
                let addr = try AgentConfig.multiaddr(node)
                guard let peer = addr.peerID else { throw node.fail("a direct peer needs its /p2p/<peer id>") }
                c.gossip.directPeers.insert(peer.description)
                c.directPeerAddresses.append(addr)
            }
        }
        if let v = p["topics"] {
            c.topics = try v.list().map { node in
                let t = try node.fields(["name", "bufferSize", "rateLimit", "msgValidator", "msgIDFn", "scoring"])
                guard let name = try t["name"]?.string(), !name.isEmpty else { throw node.fail("a topic needs a name") }
                var topic = AgentConfig.TopicConfig(name: name)
                if let b = t["bufferSize"] { topic.bufferSize = try b.int(in: 0...1 << 24) }
                if let r = t["rateLimit"] { topic.rateLimit = try r.double() }
                if let m = t["msgValidator"] {
                    let mv = try m.fields(["timeout", "concurrency"])
                    topic.validationTimeout = try mv["timeout"].map(AgentConfig.positive)
                    topic.validationConcurrency = try mv["concurrency"]?.int(in: 1...65536)
                }
                if let f = t["msgIDFn"], let function = try msgIDFunction(f) { c.gossip.topicMessageIDFunctions[name] = function }
                if let s = t["scoring"] { c.scoring.topics[name] = try ScoringSection.topic(s) }
                return topic
            }
            let names = c.topics.map(\.name)
            if let dup = names.first(where: { name in names.filter { $0 == name }.count > 1 }) {
                throw v.fail("topic '\(dup)' is listed twice")
            }
        }
    }

    /// The Go agent's `msgIDFn`: `type` sha256 or md5, hex of the first `size` bytes of the digest
    /// (clamped to the digest's length). Any other type is its default, sha256 of 20 bytes, with
    /// `size` unused. nil: the default.
    ///
    /// One departure: with a known type and no `size` (or 0), the Go agent gives every message
    /// the empty id, so it drops all but the first as duplicates. Here the whole digest is used,
    /// with a warning (an error with --strict-config): losing every report is never what the
    /// operator meant.
    static func msgIDFunction(_ n: ConfigNode) throws -> MessageIDFunction? {
        let m = try n.fields(["type", "size"])
        let type = try m["type"]?.string() ?? ""
        let digest: MessageIDFunction.Digest
        if let known = MessageIDFunction.Digest(rawValue: type) {
            digest = known
        } else {
            if !["", "default"].contains(type), let t = m["type"] {
                _ = try t.choice(MessageIDFunction.Digest.allCases.map(\.rawValue), unknownMeans: "the default (sha256, 20 bytes)")
            }
            return nil
        }
        let size = try m["size"]?.int() ?? 0
        guard size != 0 else {
            try n.diagnostics.lenient(m["size"] ?? n,
                                      "no size for \(type) ids: the Go agent would give every message the empty id and drop all but the first; using the whole digest (\(digest.length) bytes), set size to match your Go agents",
                                      strictly: "\(type) ids need a size (bytes of the digest, 1...\(digest.length))")
            return .hash(digest, size: digest.length)
        }
        guard size > 0 else { throw (m["size"] ?? n).fail("a message id size must be positive (bytes of the digest, 1...\(digest.length))") }
        return .hash(digest, size: min(size, digest.length))
    }

    /// `trace`: go-libp2p-pubsub's JSON tracer file and the event types it leaves out.
    static func trace(_ n: ConfigNode) throws -> AgentConfig.TraceConfig {
        let t = try n.fields(["jsonFile", "skiplist", "debug"])
        var trace = AgentConfig.TraceConfig()
        if let f = t["jsonFile"] { trace.jsonFile = try f.string() }
        if let l = t["skiplist"] {
            for item in try l.list() {
                let name = try item.string()
                guard let type = TraceEvent.Kind(goName: name) else {
                    throw item.fail("'\(name)' is not a trace event type (\(TraceEvent.Kind.allCases.map(\.goName).joined(separator: ", ")))")
                }
                trace.skiplist.insert(type)
            }
        }
        if let d = t["debug"] { trace.debug = try d.bool() }
        return trace
    }

    static func overlay(_ n: ConfigNode, _ g: inout GossipsubConfig) throws {
        let o = try n.fields([
            "d", "dlo", "dhi", "dlazy", "dscore", "dout", "heartbeatInterval", "fanoutTTL", "mCacheLen", "mCacheGossip", "seenTTL",
            "floodPublish", "pruneBackoff",
        ])
        if let v = o["d"] { g.d = try v.int(in: 1...1000) }
        if let v = o["dlo"] { g.dLow = try v.int(in: 0...1000) }
        if let v = o["dhi"] { g.dHigh = try v.int(in: 1...1000) }
        if let v = o["dlazy"] { g.dLazy = try v.int(in: 0...1000) }
        if let v = o["dscore"] { g.dScore = try v.int(in: 0...1000) }
        if let v = o["dout"] { g.dOut = try v.int(in: 0...1000) }
        if let v = o["heartbeatInterval"] { g.heartbeatInterval = try AgentConfig.positive(v) }
        if let v = o["fanoutTTL"] { g.fanoutTTL = try AgentConfig.positive(v) }
        if let v = o["mCacheLen"] { g.historyLength = try v.int(in: 1...1000) }
        if let v = o["mCacheGossip"] { g.historyGossip = try v.int(in: 0...1000) }
        if let v = o["seenTTL"] { g.seenTTL = try AgentConfig.positive(v) }
        if let v = o["floodPublish"] { g.floodPublish = try v.bool() }
        if let v = o["pruneBackoff"] { g.pruneBackoff = try AgentConfig.positive(v) }
        do { try g.validate() } catch let error as GossipError { throw n.fail(error.message) }
    }
}
