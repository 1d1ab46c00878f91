import Foundation
import Core
import Gossip
import Host
import Store
import Wire

/// Reading the config file (YAML, or JSON as the Go agent also reads). A wrong type or a value out
/// of range fails with its key path and line, before anything starts. Keys the Go agent would
/// ignore are ignored with a warning each (the Go agent is silent), and an unknown discovery mode
/// or message-id type falls back as the Go agent's does, with a warning; `strict` refuses all of
/// these instead.
extension AgentConfig {
    /// Reads `path`; DON config paths in it are taken relative to the file's directory.
    public static func load(path: String, strict: Bool = false) throws -> AgentConfig {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw AgentError(.invalidConfig, "cannot read config file \(path)")
        }
        do {
            return try parse(yaml: text, baseDirectory: (path as NSString).deletingLastPathComponent, strict: strict)
        } catch let error as AgentError {
            throw AgentError(.invalidConfig, "\(path): \(error.message)")
        }
    }

    public static func parse(yaml: String, baseDirectory: String = ".", strict: Bool = false) throws -> AgentConfig {
        var c = AgentConfig()
        let diagnostics = ConfigDiagnostics(strict: strict)
        let f = try ConfigNode.parse(yaml: yaml, diagnostics: diagnostics).fields([
            "privateKey", "listenAddrs", "psk", "dialTimeout", "disablePing", "userAgent", "natPortMap", "autoNat",
            "connManager", "discovery", "pubsub", "mdnsTag", "msgRouterQueueSize", "msgRouterWorkers", "pprof",
            "store", "validation", "dons", "grpc", "metrics", "dataDir", "sync",
        ])
        if let n = f["privateKey"] {
            do { c.privateKey = try PrivateKey(base64: try n.string()) } catch let error as WireError {
                throw n.fail("expected a base64 libp2p private key, padded or not (as `p2pmq keygen` and the Go agent's keygen write it): \(error.message)")
            }
        }
        if let n = f["listenAddrs"] { c.listenAddrs = try n.list().map(multiaddr) }
        if let n = f["psk"] { c.psk = try psk(n) }
        if let n = f["dialTimeout"] { c.dialTimeout = try positive(n) }
        // The Go agent announces "p2pmq/<userAgent>".
        if let n = f["userAgent"] { c.userAgent = "p2pmq/\(try n.string())" }
        for key in ["disablePing", "natPortMap", "autoNat", "pprof"] where f[key] != nil {
            c.warnings.append("\(key) is a Go agent option with no effect here")
        }
        if let n = f["connManager"] { try connManager(n, &c) }
        if let n = f["discovery"] {
            c.dhtEnabled = true
            let d = try n.fields(["mode", "bootstrappers", "protocolPrefix"])
            if let m = d["mode"] {
                c.discoveryMode = try m.choice(["boot", "server", "client"], unknownMeans: "DHT auto mode").flatMap(DiscoveryMode.init) ?? .auto
            }
            if let b = d["bootstrappers"] {
                c.bootstrappers = try b.list().map { node in
                    let addr = try multiaddr(node)
                    guard addr.peerID != nil else { throw node.fail("a bootstrapper needs its /p2p/<peer id>") }
                    return addr
                }
            }
            if let p = d["protocolPrefix"] { c.protocolPrefix = try p.string() }
        }
        if let n = f["pubsub"] { try PubsubSection.read(n, into: &c) }
        if let n = f["mdnsTag"] {
            // As in the Go agent, an empty tag leaves mDNS off.
            let tag = try n.string()
            c.mdnsTag = tag.isEmpty ? nil : tag
        }
        if let n = f["msgRouterQueueSize"] { c.msgRouterQueueSize = try n.int(in: 1...1 << 24) }
        if let n = f["msgRouterWorkers"] { c.msgRouterWorkers = try n.int(in: 1...4096) }
        if let n = f["store"] { try storeSection(n, &c) }
        if let n = f["validation"] {
            let v = try n.fields(["timeout", "concurrency", "queueSize", "whenNoValidator", "rateLimit"])
            if let t = v["timeout"] { c.validationTimeout = try positive(t) }
            if let t = v["concurrency"] { c.validationConcurrency = try t.int(in: 1...65536) }
            if let t = v["queueSize"] { c.validationQueueSize = try t.int(in: 0...1 << 24) }
            if let t = v["whenNoValidator"] { c.whenNoValidator = WhenNoValidator(rawValue: try t.choice(["don", "ignore", "accept"]))! }
            if let r = v["rateLimit"] {
                let l = try r.fields(["peerRate", "peerBurst", "globalRate", "globalBurst", "penaltyEvery"])
                func rate(_ key: String) throws -> Double? {
                    guard let node = l[key] else { return nil }
                    let value = try node.double()
                    guard value >= 0, value.isFinite else { throw node.fail("\(key) must be a number >= 0 (0: no limit)") }
                    return value
                }
                var limits = c.rateLimits
                if let x = try rate("peerRate") { limits.peerRate = x }
                if let x = try rate("peerBurst") { limits.peerBurst = x }
                if let x = try rate("globalRate") { limits.globalRate = x }
                if let x = try rate("globalBurst") { limits.globalBurst = x }
                if let x = l["penaltyEvery"] { limits.penaltyEvery = try x.int(in: 1...1 << 30) }
                c.rateLimits = limits
            }
        }
        if let n = f["dons"] {
            c.dons = try n.strings().map { $0.hasPrefix("/") ? $0 : (baseDirectory as NSString).appendingPathComponent($0) }
        }
        if c.whenNoValidator == .don, c.dons.isEmpty, let n = f["validation"] {
            throw n.fail("whenNoValidator: don needs DON configs under 'dons'")
        }
        if let n = f["sync"] { try syncSection(n, &c) }
        if let n = f["grpc"] {
            let text = try n.string()
            guard GRPCAddress(text) != nil else { throw n.fail("expected host:port or unix:/path, e.g. 127.0.0.1:8001, got '\(text)'") }
            c.grpcAddress = text
        }
        if let n = f["metrics"] { c.metricsAddress = try hostPort(n) }
        if let n = f["dataDir"] { c.dataDir = try n.string() }
        c.warnings = diagnostics.warnings + c.warnings
        return c
    }

    static func multiaddr(_ n: ConfigNode) throws -> Multiaddr {
        let text = try n.string()
        do { return try Multiaddr(text) } catch { throw n.fail("not a multiaddr: \(error)") }
    }

    static func positive(_ n: ConfigNode) throws -> Duration {
        let d = try n.duration()
        guard d > .zero else { throw n.fail("must be more than zero") }
        return d
    }

    static func hostPort(_ n: ConfigNode) throws -> String {
        let text = try n.string()
        guard splitHostPort(text) != nil else { throw n.fail("expected host:port, e.g. 127.0.0.1:8001, got '\(text)'") }
        return text
    }

    /// `host:port` with a non-empty host and a port in 0...65535 (0: pick one), else nil.
    public static func splitHostPort(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":"), colon > text.startIndex,
              let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        return (String(text[..<colon]), port)
    }

    /// The 32-byte key in any form an operator has it: 64 hex characters, the contents of a
    /// /key/swarm/psk/1.0.0/ file, or as the Go agent reads its `psk []byte`: the 32 bytes of a
    /// YAML string as they are, or base64 of them (a JSON config, or YAML's !!binary).
    static func psk(_ n: ConfigNode) throws -> PreSharedKey {
        let text = try n.string()
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if let bytes = Hex.decode(trimmed), bytes.count == 32 { return try PreSharedKey(bytes: bytes) }
        if let key = try? PreSharedKey(fileContents: Array(text.utf8)) { return key }
        if trimmed.utf8.count == 32 { return try PreSharedKey(bytes: Array(trimmed.utf8)) }
        if let bytes = Base64.decode(trimmed), bytes.count == 32 { return try PreSharedKey(bytes: bytes) }
        throw n.fail("expected 64 hex characters, a /key/swarm/psk/1.0.0/ key, 32 characters (the Go agent's raw bytes) or base64 of 32 bytes")
    }

    static func connManager(_ n: ConfigNode, _ c: inout AgentConfig) throws {
        let m = try n.fields(["lowWaterMark", "highWaterMark", "gracePeriod"])
        if let v = m["lowWaterMark"] { c.connectionManager.lowWater = try v.int(in: 0...1 << 20) }
        if let v = m["highWaterMark"] { c.connectionManager.highWater = try v.int(in: 1...1 << 20) }
        if let v = m["gracePeriod"] {
            let d = try v.duration()
            c.connectionManager.gracePeriodSeconds = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        }
        guard c.connectionManager.lowWater <= c.connectionManager.highWater else {
            throw n.fail("lowWaterMark (\(c.connectionManager.lowWater)) must not exceed highWaterMark (\(c.connectionManager.highWater))")
        }
    }

    static func storeSection(_ n: ConfigNode, _ c: inout AgentConfig) throws {
        let s = try n.fields(["durability", "flushInterval", "maxBatchItems", "initialMapSize", "retention", "topics", "nonAcceptedQuota"])
        if let v = s["nonAcceptedQuota"] {
            if (try? v.string()) == "unlimited" {
                c.store.nonAcceptedQuota = nil
            } else {
                guard let bytes = try? v.int(in: 0...Int.max) else { throw v.fail("expected bytes (a whole number >= 0) or unlimited") }
                c.store.nonAcceptedQuota = UInt64(bytes)
            }
        }
        if let v = s["durability"] { c.store.durability = Durability(rawValue: try v.choice(Durability.allCases.map(\.rawValue)))! }
        if let v = s["flushInterval"] {
            let d = try positive(v)
            c.store.flushIntervalMilliseconds = max(1, Int(d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000))
        }
        if let v = s["maxBatchItems"] { c.store.maxBatchItems = try v.int(in: 1...1 << 20) }
        if let v = s["initialMapSize"] { c.store.initialMapSize = try v.int(in: 1 << 20...1 << 40) }
        if let v = s["retention"] { c.store.retention = try retention(v) }
        if let v = s["topics"] {
            for (topic, node) in try v.entries() {
                let t = try node.fields(["retention"])
                if let r = t["retention"] { c.store.topicRetention[topic] = try retention(r) }
            }
        }
    }

    static func syncSection(_ n: ConfigNode, _ c: inout AgentConfig) throws {
        let s = try n.fields(["enabled", "serveRate", "serveBurst", "maxConcurrentServes", "stallTimeout", "parallelRequests", "statusPeers", "gapFillDelay"])
        if let v = s["enabled"] { c.sync.enabled = try v.bool() }
        if let v = s["serveRate"] {
            c.sync.serveRate = try v.double()
            guard c.sync.serveRate >= 0 else { throw v.fail("must be 0 (no limit) or more") }
        }
        if let v = s["serveBurst"] {
            c.sync.serveBurst = try v.double()
            guard c.sync.serveBurst >= 1 else { throw v.fail("must be at least 1") }
        }
        if let v = s["maxConcurrentServes"] { c.sync.maxConcurrentServes = try v.int(in: 1...64) }
        if let v = s["stallTimeout"] { c.sync.stallTimeout = try positive(v) }
        if let v = s["parallelRequests"] { c.sync.parallelRequests = try v.int(in: 1...64) }
        if let v = s["statusPeers"] { c.sync.statusPeers = try v.int(in: 1...1024) }
        if let v = s["gapFillDelay"] { c.sync.gapFillDelay = try v.duration() }
    }

    static func retention(_ n: ConfigNode) throws -> RetentionPolicy {
        let r = try n.fields(["maxAge", "maxBytes"])
        var policy = RetentionPolicy()
        if let v = r["maxAge"] { policy.maxAgeNanoseconds = try positive(v).nanosecondsClamped }
        if let v = r["maxBytes"] { policy.maxBytes = UInt64(try v.int(in: 1...Int.max)) }
        return policy
    }
}
