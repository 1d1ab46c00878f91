import Wire
import Foundation
import SwiftProtobuf
import Store

/// What the verifier needs to know about stored reports: a live agent reads it from the store.
public protocol SequenceState {
    func headSeq(topic: String, don: String) throws -> UInt64?
    func storedDigests(topic: String, don: String, seq: UInt64) throws -> [[UInt8]]
}

extension ReportStore: SequenceState {
    public func headSeq(topic: String, don: String) throws -> UInt64? {
        try head(topic: topic, don: don)?.seq
    }

    public func storedDigests(topic: String, don: String, seq: UInt64) throws -> [[UInt8]] {
        try reports(topic: topic, don: don, seq: seq).map(\.digest)
    }
}

/// Decides ACCEPT / IGNORE / REJECT for a message on a report topic: it must decode as a
/// `SignedReport` of a known DON, under that DON's current config, signed by a quorum, and pass
/// the sequence rules against the stored heads.
public struct ReportVerifier: Sendable {
    public var registry: DONRegistry
    /// Largest message that is decoded at all; bigger ones are rejected unread.
    public var maxReportBytes: Int

    public init(registry: DONRegistry, maxReportBytes: Int = 1 << 20) {
        self.registry = registry
        self.maxReportBytes = maxReportBytes
    }

    /// - Parameter bestKnownHead: a head higher than the local one learned from peers, if any.
    public func verify(
        data: [UInt8], topic: String, state: SequenceState?, bestKnownHead: UInt64? = nil
    ) throws -> ReportDecision {
        guard data.count <= maxReportBytes else {
            return ReportDecision(reason: .malformed, detail: "report is \(data.count) bytes, over the \(maxReportBytes)-byte limit", don: "", seq: 0)
        }
        let signed: P2pmq_Don_SignedReport
        do {
            signed = try P2pmq_Don_SignedReport(serializedBytes: data)
        } catch {
            return ReportDecision(reason: .malformed, detail: "data is not a SignedReport protobuf", don: "", seq: 0)
        }
        guard signed.hasReport else {
            return ReportDecision(reason: .malformed, detail: "SignedReport has no report", don: "", seq: 0)
        }
        let report = signed.report
        let digest = ReportDigest.of(report, topic: topic)
        func decision(_ r: (ReportReason, String)) -> ReportDecision {
            ReportDecision(reason: r.0, detail: r.1, don: report.donID, seq: report.seq, reportDigest: digest)
        }
        guard let config = registry[report.donID] else {
            return decision((.unknownDON, "DON '\(report.donID)' is not in the registry"))
        }
        guard Array(report.configDigest) == config.digest else {
            return decision((.wrongConfigDigest, "report names config \(Hex.encode(report.configDigest.prefix(8))), DON \(config.id) has \(Hex.encode(config.digest.prefix(8)))"))
        }
        if let failure = QuorumVerifier.check(signed, digest: digest, config: config) {
            return decision(failure)
        }
        let local = try state?.headSeq(topic: topic, don: report.donID)
        let head = [local, bestKnownHead].compactMap { $0 }.max()
        let stored = try state?.storedDigests(topic: topic, don: report.donID, seq: report.seq) ?? []
        return decision(SequencePolicy.decide(seq: report.seq, digest: digest, head: head, stored: stored, thresholds: config.thresholds))
    }
}
