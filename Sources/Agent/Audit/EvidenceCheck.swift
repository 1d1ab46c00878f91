import Foundation
import DON
import Store
import Wire

/// Re-checks stored penalties against the evidence kept with them: the record each penalty
/// names is judged again by the built-in DON verifier, with the sequence state rebuilt from the
/// log as it stood when the record arrived. `p2pmq audit replay` prints the findings.
public struct EvidenceCheck {
    public let registry: DONRegistry

    public init(registry: DONRegistry) { self.registry = registry }

    public enum Outcome: String, Sendable {
        /// The evidence gives the same verdict and reason today.
        case confirmed
        /// The evidence no longer supports the penalty (or gives another reason): look closer.
        case notReproduced = "not_reproduced"
        /// Judged by an external validator: re-judge it with `p2pmq replay`.
        case external
        /// A penalty for protocol behaviour, with no message kept (e.g. a malformed RPC).
        case noEvidence = "no_evidence"
        /// The record was removed by retention.
        case evidenceGone = "evidence_gone"
        /// The DON of the evidence is not among the configs given.
        case unchecked
    }

    public struct Finding: Sendable {
        public var penalty: PenaltyRecord
        public var offset: UInt64?
        public var outcome: Outcome
        public var detail: String
    }

    static let sequenceReasons: Set<ReportReason> = [.staleSeq, .seqGapTooLarge]

    /// Findings for the penalties `include` selects, in recording order.
    public func run(store: ReportStore, include: (PenaltyRecord) -> Bool = { _ in true }) throws -> [Finding] {
        var penalties: [PenaltyRecord] = []
        try store.penalties { p in
            if include(p) { penalties.append(p) }
            return true
        }
        var findings: [Finding?] = Array(repeating: nil, count: penalties.count)
        // Evidence by topic and offset, for one pass over each topic's log.
        var wanted: [String: [UInt64: [Int]]] = [:]
        for (i, p) in penalties.enumerated() {
            guard !p.messageID.isEmpty else {
                findings[i] = Finding(penalty: p, outcome: .noEvidence, detail: "penalty for protocol behaviour (\(p.reason)); no message is kept")
                continue
            }
            guard let offset = try store.offset(topic: p.topic, messageID: p.messageID) else {
                findings[i] = Finding(penalty: p, outcome: .evidenceGone, detail: "message \(p.messageID) is no longer in the log (retention)")
                continue
            }
            wanted[p.topic, default: [:]][offset, default: []].append(i)
        }
        let verifier = ReportVerifier(registry: registry)
        for (topic, offsets) in wanted {
            guard let last = offsets.keys.max() else { continue }
            var state = MemorySequenceState()
            try store.scan(topic: topic) { record in
                guard record.offset <= last else { return false }
                if let indexes = offsets[record.offset] {
                    for i in indexes {
                        findings[i] = judge(penalties[i], record, verifier: verifier, state: state, topic: topic)
                    }
                }
                remember(record, in: &state, verifier: verifier, topic: topic)
                return true
            }
        }
        return findings.enumerated().map { i, f in
            f ?? Finding(penalty: penalties[i], outcome: .evidenceGone, detail: "the evidence could not be read")
        }
    }

    /// Applies a stored record to the rebuilt sequence state as the store applied it.
    private func remember(_ r: LogRecord, in state: inout MemorySequenceState, verifier: ReportVerifier, topic: String) {
        guard r.verdict == .accept || r.reason == ReportReason.equivocation.rawValue, !r.don.isEmpty,
              let digest = DecodedReport.digest(of: r.data, topic: topic) else { return }
        let reason: ReportReason = r.verdict == .accept ? .newHead : .equivocation
        state.record(ReportDecision(reason: reason, detail: "", don: r.don, seq: r.seq, reportDigest: digest), topic: topic)
    }

    private func judge(_ p: PenaltyRecord, _ r: LogRecord, verifier: ReportVerifier, state: MemorySequenceState, topic: String) -> Finding {
        var finding = Finding(penalty: p, offset: r.offset, outcome: .confirmed, detail: "")
        // Live REJECTs store the verifier's reason ("stale_seq", or from `p2pmq validator`
        // "stale_seq: detail"); forged sync records store "sync_...: reason".
        let parts = r.reason.components(separatedBy: ": ")
        let stored = r.reason.hasPrefix("sync_") ? (parts.count > 1 ? parts[1] : "") : parts[0]
        guard let reason = ReportReason(rawValue: stored), reason.verdict == .reject else {
            finding.outcome = .external
            finding.detail = "judged \(r.verdict.name) (\(r.reason.isEmpty ? "no reason" : r.reason)) by an external validator; "
                + "re-judge it with `p2pmq replay --topic \(topic) --from \(r.offset) --to \(r.offset)`"
            return finding
        }
        if !registry.configs.isEmpty || reason == .malformed {
            let decision: ReportDecision
            if Self.sequenceReasons.contains(reason), !r.reason.hasPrefix("sync_") {
                guard let d = try? verifier.verify(data: r.data, topic: topic, state: state) else {
                    return Finding(penalty: p, offset: r.offset, outcome: .notReproduced, detail: "the evidence could not be judged")
                }
                decision = d
            } else {
                decision = verifier.verifyHistorical(data: r.data, topic: topic)
            }
            if decision.reason == .unknownDON, reason != .unknownDON {
                finding.outcome = .unchecked
                finding.detail = "DON '\(decision.don)' is not among the DON configs given (--dons or --config)"
            } else if decision.reason == reason {
                finding.detail = "\(decision.reason.rawValue): \(decision.detail)"
            } else {
                finding.outcome = .notReproduced
                finding.detail = "recorded \(reason.rawValue), the evidence now gives \(decision.verdict.name) \(decision.reason.rawValue): \(decision.detail)"
                if reason == .seqGapTooLarge { finding.detail += " (the live check may have used a higher head reported by peers)" }
            }
        } else {
            finding.outcome = .unchecked
            finding.detail = "no DON configs given (--dons or --config); recorded \(reason.rawValue)"
        }
        return finding
    }
}
