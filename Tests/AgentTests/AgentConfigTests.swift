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

    /// Each bad config fails with the key path (and line) and says what is wrong.
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
                _ = try AgentConfig.parse(yaml: yaml)
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
}
