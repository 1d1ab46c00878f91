import Wire
import Foundation
import SwiftProtobuf

/// What the verifier needs to know about stored reports: a live agent reads it from the store.
public protocol SequenceState {
    func headSeq(topic: String, don: String) throws -> UInt64?
    func storedDigests(topic: String, don: String, seq: UInt64) throws -> [[UInt8]]
}

/// Decides ACCEPT / IGNORE / REJECT for a message on a report topic: it must decode as a
/// `SignedReport` of a known DON, under that DON's current config, signed by a quorum, and pass
/// the sequence rules against the stored heads.
public struct ReportVerifier: Sendable {
    public var registry: DONRegistry
    /// Largest message that is decoded at all; bigger ones are rejected unread.
    public var maxReportBytes: Int

    /// How signatures are checked (Ed25519 for our envelope; the stand-in in simulations).
    public var scheme: any SignatureScheme
    /// Reports already verified (shared by the verifiers of one node), or nil.
    public var verified: VerifiedReports?

    public init(registry: DONRegistry, maxReportBytes: Int = 1 << 20, scheme: any SignatureScheme = Ed25519Scheme(),
                verified: VerifiedReports? = nil) {
        self.registry = registry
        self.maxReportBytes = maxReportBytes
        self.scheme = scheme
        self.verified = verified
    }

    /// - Parameter bestKnownHead: a head higher than the local one learned from peers, if any.
    public func verify(
        data: [UInt8], topic: String, state: SequenceState?, bestKnownHead: UInt64? = nil
    ) throws -> ReportDecision {
        try verify(data: data, topic: topic, state: state, knownHead: { _ in bestKnownHead })
    }

    /// - Parameter knownHead: the highest head peers reported for a DON (by id), if any.
    /// - Parameter decoded: `data` already decoded (`DecodedReport.decode`), so it is not again.
    public func verify(
        data: [UInt8], topic: String, state: SequenceState?, knownHead: (String) -> UInt64?, decoded: DecodedReport? = nil
    ) throws -> ReportDecision {
        let checked: (report: P2pmq_Don_Report, digest: [UInt8], config: DONConfig)
        switch checkQuorum(data: data, topic: topic, decoded: decoded) {
        case .failure(let failed): return failed.decision
        case .success(let ok): checked = ok
        }
        let (report, digest, config) = checked
        let local = try state?.headSeq(topic: topic, don: report.donID)
        let head = [local, knownHead(report.donID)].compactMap { $0 }.max()
        let stored = try state?.storedDigests(topic: topic, don: report.donID, seq: report.seq) ?? []
        let r = SequencePolicy.decide(seq: report.seq, digest: digest, head: head, stored: stored, thresholds: config.thresholds)
        return ReportDecision(reason: r.0, detail: r.1, don: report.donID, seq: report.seq, reportDigest: digest)
    }

    /// The check for a record fetched by range sync: everything but the sequence rules, which
    /// judge live gossip only (history fills gaps whatever its age).
    public func verifyHistorical(data: [UInt8], topic: String) -> ReportDecision {
        switch checkQuorum(data: data, topic: topic) {
        case .failure(let failed): return failed.decision
        case .success(let ok):
            return ReportDecision(reason: .synced, detail: "quorum of \(ok.config.requiredSignatures) verified", don: ok.report.donID, seq: ok.report.seq, reportDigest: ok.digest)
        }
    }

    private struct Failed: Error {
        var decision: ReportDecision
    }

    /// Decodes the report (unless given decoded) and checks DON, config digest and quorum
    /// signatures.
    private func checkQuorum(data: [UInt8], topic: String, decoded: DecodedReport? = nil)
        -> Result<(report: P2pmq_Don_Report, digest: [UInt8], config: DONConfig), Failed> {
        guard data.count <= maxReportBytes else {
            return .failure(Failed(decision: ReportDecision(reason: .malformed, detail: "report is \(data.count) bytes, over the \(maxReportBytes)-byte limit", don: "", seq: 0)))
        }
        let signed: P2pmq_Don_SignedReport
        let digest: [UInt8]
        if let decoded {
            (signed, digest) = (decoded.signed, decoded.digest)
        } else {
            do {
                signed = try P2pmq_Don_SignedReport(serializedBytes: data)
            } catch {
                return .failure(Failed(decision: ReportDecision(reason: .malformed, detail: "data is not a SignedReport protobuf", don: "", seq: 0)))
            }
            guard signed.hasReport else {
                return .failure(Failed(decision: ReportDecision(reason: .malformed, detail: "SignedReport has no report", don: "", seq: 0)))
            }
            digest = ReportDigest.of(signed.report, topic: topic)
        }
        let report = signed.report
        func failed(_ r: (ReportReason, String)) -> Result<(report: P2pmq_Don_Report, digest: [UInt8], config: DONConfig), Failed> {
            .failure(Failed(decision: ReportDecision(reason: r.0, detail: r.1, don: report.donID, seq: report.seq, reportDigest: digest)))
        }
        guard let entry = registry.config(don: report.donID, seq: report.seq) else {
            return failed((.unknownDON, "DON '\(report.donID)' is not in the registry"))
        }
        let config = entry.config
        guard Array(report.configDigest) == config.digest else {
            let named = Hex.encode(report.configDigest.prefix(8))
            if let other = registry.entry(don: report.donID, digest: Array(report.configDigest)) {
                return failed((.wrongConfigDigest, "report seq \(report.seq) is signed under \(config.id) v\(other.version) (\(named), from seq \(other.effectiveSeq)); seq \(report.seq) falls under v\(entry.version) (from seq \(entry.effectiveSeq))"))
            }
            return failed((.wrongConfigDigest, "report names config \(named), DON \(config.id) v\(entry.version) has \(Hex.encode(config.digest.prefix(8)))"))
        }
        let key = verified == nil ? nil : VerifiedReports.key(data: data, configDigest: config.digest)
        if let verified, let key, verified.contains(key) { return .success((report, digest, config)) }
        if let failure = QuorumVerifier.check(signed, digest: digest, config: config, scheme: scheme) {
            return failed(failure)
        }
        if let verified, let key { verified.insert(key) }
        return .success((report, digest, config))
    }
}

/// A signed report decoded once, with its digest under the topic it came on: the agent decodes
/// each message once and hands this to the verifier, the validator's context and the log.
public struct DecodedReport: Sendable {
    public let signed: P2pmq_Don_SignedReport
    public let digest: [UInt8]
    public var report: P2pmq_Don_Report { signed.report }

    /// nil when `data` is not a SignedReport with a report (the verifier then says why).
    public static func decode(_ data: [UInt8], topic: String) -> DecodedReport? {
        guard let signed = try? P2pmq_Don_SignedReport(serializedBytes: data), signed.hasReport else { return nil }
        return DecodedReport(signed: signed, digest: ReportDigest.of(signed.report, topic: topic))
    }
}
