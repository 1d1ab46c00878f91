@testable import Agent
import DON
import Foundation
import Core
import Gossip
import Host
import Store
import TestSupport
import Wire
import XCTest

/// DON key rotation between real agents over TCP: a config update gossiped on the registry topic
/// is checked against the old quorum, applied from its seq on, persisted and restored; a forged
/// one costs its sender a penalty; a late joiner gets the chain by range sync before the reports
/// signed under it.
final class KeyRotationTests: XCTestCase {
    let old = DONFixture(id: "don-a", nodes: 4, topic: "don-a/reports", thresholds: SequenceThresholds(skip: 5, validity: 50, maxSeqGap: 1000))

    func makeNode(_ dir: TemporaryDirectory, _ name: String, withGenesis: Bool = true) throws -> AgentNode {
        let genesisPath = dir.sub("genesis.json")
        if !FileManager.default.fileExists(atPath: genesisPath) {
            try Genesis(dons: [old.config]).json().write(to: URL(fileURLWithPath: genesisPath))
        }
        var base = AgentConfig()
        if withGenesis { base.dons = [genesisPath] } else { base.whenNoValidator = .accept }
        base.sync.stallTimeout = .seconds(1)
        var config = try localConfig(dir, name, base: base)
        config.topics = [.init(name: old.topic)]
        return try AgentNode(config: config, identity: PrivateKey.generate())
    }

    func record(_ node: AgentNode, _ id: String) -> LogRecord? {
        guard let offset = try? node.store.offset(topic: old.topic, messageID: id) else { return nil }
        return try? node.store.record(topic: old.topic, offset: offset)
    }

    func testRotationIsGossipedCheckedAppliedAndRestored() async throws {
        let dir = TemporaryDirectory("rotation")
        defer { dir.remove() }
        let a = try makeNode(dir, "a"), b = try makeNode(dir, "b")
        // The attacker forwards and publishes anything (no DON configs, no checks).
        let c = try makeNode(dir, "c", withGenesis: false)
        let addrA = try await a.start()[0], addrB = try await b.start()[0]
        _ = try await c.start()
        _ = try await b.host.dial(addrA)
        _ = try await c.host.dial(addrA)
        _ = try await c.host.dial(addrB)
        try await Task.sleep(for: .milliseconds(1500))
        let registryTopic = Genesis.defaultRegistryTopic

        for seq in UInt64(1)...5 { _ = try await a.publish(topic: old.topic, data: old.signed(seq: seq)) }
        try await eventually("b to hold seq 5") { (try? b.store.head(topic: old.topic, don: "don-a"))??.seq == 5 }

        // A publish that does not extend the chain is refused at the API.
        let new = old.rotated()
        var tooFew = old.update(to: new, effectiveSeq: 100)
        tooFew.signatures.removeLast()
        do {
            _ = try await a.publish(topic: registryTopic, data: try tooFew.serializedBytes())
            XCTFail("an update signed by too few old signers was published")
        } catch let e as AgentError {
            XCTAssertTrue(e.message.contains("config_update_insufficient_quorum"), e.message)
        }

        let update = old.update(to: new, effectiveSeq: 100)
        _ = try await a.publish(topic: registryTopic, data: try update.serializedBytes())
        // Applied first, then stored with its log record.
        try await eventually("b to apply and store v2") {
            b.registry?.current.version(of: "don-a") == 2 && (try? b.store.registryRecords().map(\.seq)) == [2]
        }

        // Through the attacker: reports under the new keys before the rotation seq, under the
        // old keys after it, and a v3 signed by v1's keys instead of v2's.
        let early = try await c.publish(topic: old.topic, data: new.signed(seq: 50))
        let onTime = try await c.publish(topic: old.topic, data: new.signed(seq: 100))
        let stale = try await c.publish(topic: old.topic, data: old.signed(seq: 101))
        let forged = try ConfigUpdateCheck.make(replacing: .init(config: new.config, version: 2, effectiveSeq: 100), with: new.rotated().config,
                                                effectiveSeq: 200, keys: Array(old.keys.prefix(3)))
        let forgedID = try await c.publish(topic: registryTopic, data: try forged.serializedBytes())
        try await eventually("b to judge the attacker's messages") {
            [early, onTime, stale].allSatisfy { record(b, $0) != nil } && (try? b.store.offset(topic: registryTopic, messageID: forgedID)) != nil
        }
        XCTAssertEqual(record(b, early)?.verdict, .reject)
        XCTAssertTrue(record(b, early)?.reason.hasPrefix("wrong_config_digest") ?? false, record(b, early)?.reason ?? "")
        XCTAssertEqual(record(b, onTime)?.verdict, .accept)
        XCTAssertEqual(record(b, stale)?.verdict, .reject)
        var penalties: [PenaltyRecord] = []
        try b.store.penalties { penalties.append($0); return true }
        XCTAssertTrue(penalties.contains { $0.peer == c.host.peerID.description && $0.reason.hasPrefix("config_update_bad_signature") },
                      penalties.map(\.reason).description)
        XCTAssertEqual(b.registry?.current.version(of: "don-a"), 2, "the forged v3 is not applied")

        // A late joiner: the chain first, then the reports signed under it.
        let d = try makeNode(dir, "d")
        _ = try await d.start()
        _ = try await d.host.dial(addrA)
        try await eventually("d to catch up to seq 100 under v2") {
            d.registry?.current.version(of: "don-a") == 2 && (try? d.store.head(topic: old.topic, don: "don-a"))??.seq == 100
        }
        XCTAssertEqual((try d.store.penaltyCount()), 0, "nobody honest is penalized while catching up")

        for n in [a, c, d] { await n.stop() }
        // Restart b: the applied chain comes back from the store.
        await b.stop()
        let again = try makeNode(dir, "b")
        XCTAssertEqual(again.registry?.current.version(of: "don-a"), 2)
        XCTAssertEqual(again.registry?.current.config(don: "don-a", seq: 100)?.config, new.config)
        await again.stop()
    }
}
