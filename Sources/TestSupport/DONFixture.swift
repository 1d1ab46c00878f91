import DON
import Foundation
import Store

/// A DON with in-memory signer keys, and helpers to make (possibly broken) signed reports.
public struct DONFixture {
    public let config: DONConfig
    public let keys: [SignerKey]
    public let topic: String

    public init(id: String = "don-a", nodes: Int = 4, quorum: QuorumRule = .default, topic: String = "don-a/prices", thresholds: SequenceThresholds = SequenceThresholds(skip: 5, validity: 50, maxSeqGap: 100)) {
        keys = (0..<nodes).map(SignerKey.generate)
        config = try! DONConfig(id: id, signers: keys.map(\.publicKey), quorum: quorum, thresholds: thresholds)
        self.topic = topic
    }

    private init(config: DONConfig, keys: [SignerKey], topic: String) {
        self.config = config
        self.keys = keys
        self.topic = topic
    }

    /// The same DON with fresh keys (its next config after a rotation).
    public func rotated(nodes: Int? = nil) -> DONFixture {
        let fresh = (0..<(nodes ?? keys.count)).map(SignerKey.generate)
        let next = try! DONConfig(id: config.id, signers: fresh.map(\.publicKey), quorum: config.quorum, thresholds: config.thresholds)
        return DONFixture(config: next, keys: fresh, topic: topic)
    }

    /// The config update from this config (at `version`) to `next`, signed by `signers` of this
    /// one (default: a quorum from index 0).
    public func update(to next: DONFixture, version: UInt64 = 1, effectiveSeq: UInt64, signers: [Int]? = nil) -> P2pmq_Don_ConfigUpdate {
        let chosen = (signers ?? Array(0..<config.requiredSignatures)).map { keys[$0] }
        return try! ConfigUpdateCheck.make(replacing: .init(config: config, version: version, effectiveSeq: 0), with: next.config, effectiveSeq: effectiveSeq, keys: chosen)
    }

    public func report(seq: UInt64, payload: String = "price=42") -> P2pmq_Don_Report {
        .make(config: config, seq: seq, payload: payload, timestamp: 1_780_000_000_000_000_000 + seq)
    }

    /// Serialized SignedReport signed by `signers` (default: a quorum from index 0).
    public func signed(seq: UInt64, payload: String = "price=42", signers: [Int]? = nil, topic: String? = nil) -> [UInt8] {
        let chosen = (signers ?? Array(0..<config.requiredSignatures)).map { keys[$0] }
        let s = try! P2pmq_Don_SignedReport.sign(report(seq: seq, payload: payload), topic: topic ?? self.topic, with: chosen)
        return try! s.serializedBytes()
    }
}
