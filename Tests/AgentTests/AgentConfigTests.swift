import Agent
import Foundation
import Core
import Gossip
import Store
import Wire
import XCTest

final class AgentConfigTests: XCTestCase {
    /// A config in the Go agent's shape plus our sections.
    static let full = """
        privateKey: \(Data(try! PrivateKey(seed: [UInt8](repeating: 7, count: 32)).protobuf).base64EncodedString())
        listenAddrs: ["/ip4/127.0.0.1/tcp/5001"]
        psk: "\(String(repeating: "ab", count: 32))"
        dialTimeout: 10s
        connManager:
          lowWaterMark: 10
          highWaterMark: 40
          gracePeriod: 1m30s
        discovery:
          mode: server
          bootstrappers:
            - /ip4/127.0.0.1/tcp/5002/p2p/12D3KooWJWoaqZhDaoEFshF7Rh1bpY9ohihFhzcW6d69Lr2NASuq
        msgRouterQueueSize: 2048
        msgRouterWorkers: 4
        pubsub:
          signPolicy: strictNoSign
          maxMessageSize: 524288
          overlay:
            d: 8
            dlo: 6
            dhi: 14
            heartbeatInterval: 700ms
            seenTTL: 5m
          subFilter:
            pattern: "don-[a-z]+/.*"
            limit: 50
          scoring:
            thresholds:
              gossip: -20
              publish: -40
              graylist: -90
              acceptPx: 20
              opportunisticGraft: 3
            topics:
              don-a/prices:
                weight: 0.5
                invalidMessageDeliveries:
                  weight: -50
                  decay: 0.9
            behaviourPenalty:
              weight: -5
              threshold: 2
              decay: 0.95
          topics:
            - name: don-a/prices
              msgValidator:
                timeout: 2s
        store:
          durability: sync
          retention:
            maxAge: 168h
          topics:
            don-a/prices:
              retention:
                maxBytes: 1000000
        validation:
          concurrency: 16
          whenNoValidator: don
        dons: [dons/don-a.json]
        grpc: 127.0.0.1:9001
        metrics: 127.0.0.1:9101
        pprof:
          enabled: true
        """

    func testAFullConfigMapsOntoTheLayers() throws {
        let c = try AgentConfig.parse(yaml: Self.full, baseDirectory: "/etc/p2pmq")
        XCTAssertEqual(c.privateKey?.peerID, try PrivateKey(seed: [UInt8](repeating: 7, count: 32)).peerID)
        XCTAssertEqual(c.listenAddrs.map(\.description), ["/ip4/127.0.0.1/tcp/5001"])
        XCTAssertNotNil(c.psk)
        XCTAssertEqual(c.dialTimeout, .seconds(10))
        XCTAssertEqual(c.connectionManager.gracePeriodSeconds, 90)
        XCTAssertEqual(c.bootstrappers.count, 1)
        XCTAssertEqual(c.msgRouterQueueSize, 2048)
        XCTAssertEqual(c.maxMessageSize, 524_288)
        XCTAssertEqual([c.gossip.d, c.gossip.dLow, c.gossip.dHigh], [8, 6, 14])
        XCTAssertEqual(c.gossip.heartbeatInterval, .milliseconds(700))
        XCTAssertEqual(c.gossip.seenTTL, .seconds(300))
        XCTAssertTrue(c.gossip.subscriptionFilter.allows("don-b/volumes"))
        XCTAssertFalse(c.gossip.subscriptionFilter.allows("spam"))
        XCTAssertEqual(c.gossip.subscriptionFilter.maxTopicsPerPeer, 50)
        XCTAssertEqual(c.gossip.thresholds.graylistThreshold, -90)
        XCTAssertEqual(c.scoring.topics["don-a/prices"]?.invalidMessageDeliveriesWeight, -50)
        XCTAssertEqual(c.scoring.topics["don-a/prices"]?.topicWeight, 0.5)
        XCTAssertEqual(c.scoring.behaviourPenaltyThreshold, 2)
        XCTAssertNotNil(c.scoring.defaultTopic, "other topics are scored with the defaults")
        XCTAssertEqual(c.topics.map(\.name), ["don-a/prices"])
        XCTAssertEqual(c.topics.first?.validationTimeout, .seconds(2))
        XCTAssertEqual(c.store.durability, .sync)
        XCTAssertEqual(c.store.retention.maxAgeNanoseconds, 168 * 3600 * 1_000_000_000)
        XCTAssertEqual(c.store.topicRetention["don-a/prices"]?.maxBytes, 1_000_000)
        XCTAssertEqual(c.validationConcurrency, 16)
        XCTAssertEqual(c.effectiveWhenNoValidator, .don)
        XCTAssertEqual(c.dons, ["/etc/p2pmq/dons/don-a.json"], "relative to the config file")
        XCTAssertEqual(c.grpcAddress, "127.0.0.1:9001")
        XCTAssertEqual(c.metricsAddress, "127.0.0.1:9101")
        XCTAssertEqual(c.warnings.count, 1, "pprof is accepted with a warning: \(c.warnings)")
    }

    func testAnEmptyConfigGivesTheDefaults() throws {
        let c = try AgentConfig.parse(yaml: "")
        XCTAssertEqual(c.grpcAddress, "127.0.0.1:8001")
        XCTAssertEqual(c.gossip.d, 6)
        XCTAssertEqual(c.validationTimeout, .seconds(5))
        XCTAssertEqual(c.effectiveWhenNoValidator, .ignore, "no DONs, no validator: IGNORE")
        XCTAssertEqual(c.store.durability, .batched)
        XCTAssertEqual(c.dialTimeout, .seconds(15))
    }

    /// Each bad config fails with the key path (and line) and says what is wrong (strict: keys
    /// and values the Go agent would ignore are refused too).
    func testBadConfigsNameTheKey() {
        let cases: [(yaml: String, expect: [String])] = [
            ("pubsub:\n  overlay:\n    dhigh: 3\n", ["'pubsub.overlay.dhigh' (line 3)", "unknown key", "dhi"]),
            ("listenAdrs: []\n", ["'listenAdrs'", "unknown key"]),
            ("pubsub:\n  overlay:\n    d: six\n", ["'pubsub.overlay.d'", "whole number", "six"]),
            ("pubsub:\n  overlay:\n    dlo: 9\n", ["'pubsub.overlay' (line 3)", "Dlo <= D"]),
            ("dialTimeout: 5 parsecs\n", ["'dialTimeout'", "duration"]),
            ("dialTimeout: 0s\n", ["'dialTimeout'", "more than zero"]),
            ("listenAddrs: [/ip4/1.2.3/tcp/1]\n", ["'listenAddrs[0]'", "multiaddr"]),
            ("discovery:\n  bootstrappers: [/ip4/127.0.0.1/tcp/1]\n", ["bootstrappers[0]", "/p2p/"]),
            ("discovery:\n  mode: peer\n", ["'discovery.mode'", "boot, server, client"]),
            ("privateKey: notakey\n", ["'privateKey'", "base64"]),
            ("psk: abc\n", ["'psk'", "64 hex"]),
            ("connManager:\n  lowWaterMark: 50\n  highWaterMark: 10\n", ["'connManager'", "must not exceed"]),
            ("pubsub:\n  scoring:\n    thresholds:\n      gossip: -100\n", ["'pubsub.scoring.thresholds'", "graylist <= publish <= gossip"]),
            ("pubsub:\n  scoring:\n    behaviourPenalty:\n      weight: 5\n", ["behaviourPenalty.weight", "must not be positive"]),
            ("pubsub:\n  scoring:\n    behaviourPenalty:\n      decay: 1.5\n", ["behaviourPenalty.decay", "(0, 1)"]),
            ("pubsub:\n  subFilter:\n    pattern: \"([\"\n", ["subFilter.pattern", "regular expression"]),
            ("pubsub:\n  topics:\n    - name: a\n    - name: a\n", ["'pubsub.topics'", "listed twice"]),
            ("pubsub:\n  topics:\n    - bufferSize: 3\n", ["pubsub.topics[0]", "needs a name"]),
            ("pubsub:\n  msgIDFn:\n    type: blake3\n", ["msgIDFn.type", "sha256"]),
            ("pubsub:\n  msgIDFn:\n    type: md5\n", ["'pubsub.msgIDFn'", "need a size"]),
            ("pubsub:\n  msgIDFn:\n    type: md5\n    size: -4\n", ["'pubsub.msgIDFn.size'", "positive"]),
            ("pubsub:\n  trace:\n    skiplist: [RECV]\n", ["'pubsub.trace.skiplist[0]'", "RECV_RPC"]),
            ("validation:\n  whenNoValidator: don\n", ["'validation'", "dons"]),
            ("validation:\n  whenNoValidator: maybe\n", ["whenNoValidator", "don, ignore, accept"]),
            ("store:\n  durability: eventually\n", ["'store.durability'", "batched"]),
            ("store:\n  nonAcceptedQuota: lots\n", ["'store.nonAcceptedQuota'", "bytes", "unlimited"]),
            ("store:\n  nonAcceptedQuota: -1\n", ["'store.nonAcceptedQuota'", "bytes"]),
            ("grpc: localhost\n", ["'grpc'", "host:port"]),
            ("msgRouterWorkers: 0\n", ["'msgRouterWorkers'", "out of range"]),
            ("pubsub: [1, 2]\n", ["'pubsub'", "mapping"]),
            ("sync:\n  serveRate: -1\n", ["'sync.serveRate'", "0 (no limit) or more"]),
            ("sync:\n  stallTimeout: 0s\n", ["'sync.stallTimeout'", "more than zero"]),
            ("sync:\n  parallel: 4\n", ["'sync.parallel'", "unknown key"]),
            ("pubsub:\n  overlay: {d: 6\n", ["not valid YAML"]),
        ]
        for (yaml, expect) in cases {
            do {
                _ = try AgentConfig.parse(yaml: yaml, strict: true)
                XCTFail("accepted: \(yaml)")
            } catch let error as AgentError {
                XCTAssertEqual(error.code, .invalidConfig)
                for part in expect { XCTAssertTrue(error.message.contains(part), "'\(error.message)' lacks '\(part)'") }
            } catch {
                XCTFail("\(yaml): unexpected \(error)")
            }
        }
    }

    func testGraylistRefusal() throws {
        XCTAssertNil(try AgentConfig.parse(yaml: "").gossip.graylistRefusal)
        XCTAssertEqual(try AgentConfig.parse(yaml: "pubsub: {graylistRefusal: 5m}").gossip.graylistRefusal, .seconds(300))
        XCTAssertNil(try AgentConfig.parse(yaml: "pubsub: {graylistRefusal: off}").gossip.graylistRefusal)
    }

    func testNonAcceptedQuota() throws {
        XCTAssertEqual(try AgentConfig.parse(yaml: "").store.nonAcceptedQuota, 1 << 30)
        XCTAssertEqual(try AgentConfig.parse(yaml: "store: {nonAcceptedQuota: 5000}").store.nonAcceptedQuota, 5000)
        XCTAssertNil(try AgentConfig.parse(yaml: "store: {nonAcceptedQuota: unlimited}").store.nonAcceptedQuota)
    }

    func testInboundRateLimits() throws {
        XCTAssertEqual(try AgentConfig.parse(yaml: "").rateLimits, InboundRateLimit.Limits())
        let c = try AgentConfig.parse(yaml: "validation:\n  rateLimit: {peerRate: 10, peerBurst: 50, globalRate: 800, globalBurst: 1000, penaltyEvery: 25}\n")
        XCTAssertEqual(c.rateLimits, InboundRateLimit.Limits(peerRate: 10, peerBurst: 50, globalRate: 800, globalBurst: 1000, penaltyEvery: 25))
        XCTAssertEqual(try AgentConfig.parse(yaml: "validation: {rateLimit: {peerRate: 0}}").rateLimits.peerRate, 0, "0: no per-peer limit")
        XCTAssertThrowsError(try AgentConfig.parse(yaml: "validation: {rateLimit: {peerRate: -1}}")) { XCTAssertTrue("\($0)".contains("peerRate"), "\($0)") }
        XCTAssertThrowsError(try AgentConfig.parse(yaml: "validation: {rateLimit: {perPeer: 5}}", strict: true)) { XCTAssertTrue("\($0)".contains("perPeer"), "\($0)") }
    }

    func testSyncSection() throws {
        let c = try AgentConfig.parse(yaml: "sync:\n  enabled: false\n  serveRate: 500\n  serveBurst: 64\n  maxConcurrentServes: 1\n  stallTimeout: 2s\n  parallelRequests: 2\n  statusPeers: 3\n  gapFillDelay: 100ms\n")
        var expected = SyncOptions()
        expected.enabled = false
        expected.serveRate = 500
        expected.serveBurst = 64
        expected.maxConcurrentServes = 1
        expected.stallTimeout = .seconds(2)
        expected.parallelRequests = 2
        expected.statusPeers = 3
        expected.gapFillDelay = .milliseconds(100)
        XCTAssertEqual(c.sync, expected)
        XCTAssertEqual(try AgentConfig.parse(yaml: "").sync, SyncOptions())
    }

    func testLoadingAFileNamesIt() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("p2pmq-config-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("agent.yaml").path
        try "grpc: nowhere\n".write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try AgentConfig.load(path: path)) { error in
            XCTAssertTrue("\(error)".contains(path), "\(error)")
        }
        XCTAssertThrowsError(try AgentConfig.load(path: dir.appendingPathComponent("missing.yaml").path)) { error in
            XCTAssertTrue("\(error)".contains("cannot read"), "\(error)")
        }
    }

    func testGoDurations() {
        XCTAssertEqual(GoDuration.parse("15s"), .seconds(15))
        XCTAssertEqual(GoDuration.parse("1m30s"), .seconds(90))
        XCTAssertEqual(GoDuration.parse("1h"), .seconds(3600))
        XCTAssertEqual(GoDuration.parse("250ms"), .milliseconds(250))
        XCTAssertEqual(GoDuration.parse("2.5s"), .milliseconds(2500))
        XCTAssertEqual(GoDuration.parse("10us"), .microseconds(10))
        XCTAssertEqual(GoDuration.parse("0"), .zero)
        for bad in ["", "s", "10", "5 s", "1d", "-3s", "1.2.3s"] { XCTAssertNil(GoDuration.parse(bad), bad) }
    }

    // MARK: the Go agent's files

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/go-p2pmq")

    /// The Go repository's example configs load: keys it ignores are ignored with a warning that
    /// names key and line, its unknown discovery mode is auto mode; --strict-config refuses both.
    func testTheGoExampleConfigsLoadWithWarnings() throws {
        let boot = try AgentConfig.load(path: Self.fixtures.appendingPathComponent("bootstrapper.p2pmq.yaml").path)
        XCTAssertEqual(boot.discoveryMode, .auto, "'bootstrapper' is not a Go mode name: DHT auto mode, as there")
        XCTAssertTrue(boot.bootstrappers.isEmpty)
        XCTAssertEqual(boot.warnings.count, 2, "\(boot.warnings)")
        XCTAssertTrue(boot.warnings.contains { $0.contains("'discovery.serviceTag' (line 4)") && $0.contains("ignored") }, "\(boot.warnings)")
        XCTAssertTrue(boot.warnings.contains { $0.contains("'discovery.mode' (line 5)") && $0.contains("auto") }, "\(boot.warnings)")
        let server = try AgentConfig.load(path: Self.fixtures.appendingPathComponent("default.p2pmq.yaml").path)
        XCTAssertEqual(server.discoveryMode, .server)
        XCTAssertEqual(server.bootstrappers.map(\.description), ["/ip4/0.0.0.0/tcp/5001/p2p/12D3KooWNBpcEZvtNLkAuHf3RdsRcokeQQNc2WrgU7iHipwVAKWM"])
        XCTAssertEqual(server.warnings.count, 1, "\(server.warnings)")
        for file in ["bootstrapper.p2pmq.yaml", "default.p2pmq.yaml"] {
            XCTAssertThrowsError(try AgentConfig.load(path: Self.fixtures.appendingPathComponent(file).path, strict: true)) { error in
                XCTAssertTrue("\(error)".contains("'discovery.serviceTag' (line 4): unknown key"), "\(error)")
            }
        }
    }

    /// Every key of the Go agent's config structs is known (none of them warns).
    func testEveryGoKeyIsKnown() throws {
        let yaml = """
            privateKey: \(try PrivateKey(seed: [UInt8](repeating: 3, count: 32)).base64())
            listenAddrs: [/ip4/127.0.0.1/tcp/0]
            psk: "0123456789abcdef0123456789abcdef"
            dialTimeout: 15s
            disablePing: false
            userAgent: ops
            natPortMap: false
            autoNat: false
            connManager: {lowWaterMark: 5, highWaterMark: 25, gracePeriod: 1m}
            discovery: {mode: client, bootstrappers: [], protocolPrefix: p2pmq}
            mdnsTag: p2pmq/mdns
            msgRouterQueueSize: 1024
            msgRouterWorkers: 10
            pprof: {enabled: false, port: 6060}
            pubsub:
              topics:
                - name: a
                  bufferSize: 32
                  rateLimit: 10
                  msgValidator: {timeout: 2s, concurrency: 4}
                  msgIDFn: {type: md5, size: 10}
              overlay: {d: 6, dlo: 4, dhi: 12, dlazy: 6, heartbeatInterval: 1s, fanoutTTL: 60s, mCacheLen: 5, mCacheGossip: 3, seenTTL: 2m}
              subFilter: {pattern: ".*", limit: 100}
              maxMessageSize: 1048576
              msgValidationTimeout: 5s
              scoring:
                skipAtomic: true
                thresholds: {skipAtomic: true, gossip: -10, publish: -50, graylist: -80, acceptPx: 10, opportunisticGraft: 5}
                topicScoreCap: 10
                appSpecificScore: {weight: 1}
                ipColocationFactor: {weight: -1, threshold: 2}
                behaviourPenalty: {weight: -1, decay: 0.9, cap: 10, threshold: 1, window: 1s, activation: 1s}
                topics:
                  a:
                    skipAtomic: true
                    weight: 1
                    timeInMesh: {weight: 0.1, decay: 0.5, cap: 10, quantum: 1s}
                    firstMessageDeliveries: {weight: 1, decay: 0.5, cap: 10}
                    meshMessageDeliveries: {weight: -1, decay: 0.5, cap: 10, threshold: 1, window: 10ms, activation: 10s}
                    meshFailurePenalty: {weight: -1, decay: 0.5}
                    invalidMessageDeliveries: {weight: -1, decay: 0.5}
              msgValidator: {timeout: 5s, concurrency: 10}
              msgIDFn: {type: sha256, size: 32}
              trace: {jsonFile: /tmp/trace.json, skiplist: [RECV_RPC, SEND_RPC], debug: true}
            """
        let c = try AgentConfig.parse(yaml: yaml, strict: true)
        XCTAssertEqual(c.discoveryMode, .client)
        XCTAssertEqual(c.userAgent, "p2pmq/ops", "the Go agent announces p2pmq/<userAgent>")
        XCTAssertEqual(c.psk?.bytes, Array("0123456789abcdef0123456789abcdef".utf8), "the Go agent takes the string's bytes as the key")
        XCTAssertEqual(c.gossip.messageIDFunction, .hash(.sha256, size: 32))
        XCTAssertEqual(c.gossip.topicMessageIDFunctions["a"], .hash(.md5, size: 10))
        XCTAssertEqual(c.trace?.jsonFile, "/tmp/trace.json")
        XCTAssertEqual(c.trace?.skiplist, [.recvRPC, .sendRPC])
        XCTAssertEqual(c.trace?.debug, true)
    }

    /// `privateKey` as the Go agent writes it (base64 without padding) and padded: the same key.
    func testPrivateKeyPaddedOrNot() throws {
        let key = try PrivateKey(seed: [UInt8](repeating: 9, count: 32))
        let unpadded = key.base64(), padded = key.base64(padded: true)
        XCTAssertFalse(unpadded.hasSuffix("="))
        XCTAssertTrue(padded.hasSuffix("="), "68 bytes: padding needed")
        for text in [unpadded, padded] {
            XCTAssertEqual(try AgentConfig.parse(yaml: "privateKey: \(text)\n").privateKey?.peerID, key.peerID, text)
        }
        XCTAssertThrowsError(try AgentConfig.parse(yaml: "privateKey: \(unpadded.dropLast(3))\n"))
        XCTAssertThrowsError(try AgentConfig.parse(yaml: "privateKey: \(unpadded.replacingOccurrences(of: "/", with: "_"))\n"))
    }

    /// The PSK forms: hex, a key file's text, the Go agent's raw 32 bytes, base64 of 32 bytes.
    func testPSKForms() throws {
        let bytes = [UInt8](0..<32)
        let hex = Hex.encode(bytes)
        XCTAssertEqual(try AgentConfig.parse(yaml: "psk: \"\(hex)\"\n").psk?.bytes, bytes)
        XCTAssertEqual(try AgentConfig.parse(yaml: "psk: \"\(Base64.encode(bytes))\"\n").psk?.bytes, bytes)
        XCTAssertEqual(try AgentConfig.parse(yaml: "psk: \"/key/swarm/psk/1.0.0/\\n/base16/\\n\(hex)\"\n").psk?.bytes, bytes)
        XCTAssertThrowsError(try AgentConfig.parse(yaml: "psk: tooshort\n"))
    }

    /// `msgIDFn` as the Go agent computes ids: hex of the first `size` bytes of the digest, the
    /// whole digest at most; empty data has the empty id; other types are the default.
    func testMessageIDFunctions() throws {
        func ids(_ yaml: String, _ data: String) throws -> String? {
            try AgentConfig.parse(yaml: "pubsub:\n  msgIDFn: \(yaml)\n").gossip.messageIDFunction.text(ofData: Array(data.utf8))
        }
        // md5("hello") = 5d41402abc4b2a76b9719d911017c592; sha256("hello") = 2cf24dba5fb0a30e...
        XCTAssertEqual(try ids("{type: md5, size: 8}", "hello"), "5d41402abc4b2a76")
        XCTAssertEqual(try ids("{type: md5, size: 64}", "hello"), "5d41402abc4b2a76b9719d911017c592", "clamped to the digest")
        XCTAssertEqual(try ids("{type: sha256, size: 4}", "hello"), "2cf24dba")
        XCTAssertEqual(try ids("{type: sha256, size: 4}", ""), "", "Go's id of empty data")
        XCTAssertEqual(try ids("{size: 32}", "hello"), "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c", "no type: Go's default, size unused")
        let unknown = try AgentConfig.parse(yaml: "pubsub:\n  msgIDFn: {type: blake3, size: 8}\n")
        XCTAssertEqual(unknown.gossip.messageIDFunction, .contentHash)
        XCTAssertTrue(unknown.warnings.contains { $0.contains("'pubsub.msgIDFn.type'") && $0.contains("default") }, "\(unknown.warnings)")
        let sizeless = try AgentConfig.parse(yaml: "pubsub:\n  msgIDFn: {type: md5}\n")
        XCTAssertEqual(sizeless.gossip.messageIDFunction, .hash(.md5, size: 16), "the whole digest, not Go's empty ids")
        XCTAssertTrue(sizeless.warnings.contains { $0.contains("empty id") }, "\(sizeless.warnings)")
        let perTopic = try AgentConfig.parse(yaml: "pubsub:\n  topics:\n    - name: t\n      msgIDFn: {type: md5, size: 4}\n")
        XCTAssertEqual(perTopic.gossip.messageIDFunction(for: "t"), .hash(.md5, size: 4))
        XCTAssertEqual(perTopic.gossip.messageIDFunction(for: "other"), .contentHash)
    }
}
