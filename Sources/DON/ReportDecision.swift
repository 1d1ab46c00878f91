import Wire

/// Why a report got its verdict. Raw values are the `reason` stored with the record.
public enum ReportReason: String, Sendable, CaseIterable {
    // ACCEPT
    case newHead = "new_head"
    case firstReport = "first_report"
    case lateFill = "late_fill"
    /// Fetched by range sync: quorum checked; the sequence rules of live gossip do not apply.
    case synced
    // IGNORE
    case duplicate
    case equivocation
    case tooLate = "too_late"
    /// Older than the DON's maxAge or past its own expiry (see `Freshness`).
    case expired
    // REJECT
    case malformed = "malformed_report"
    case unknownDON = "unknown_don"
    case wrongConfigDigest = "wrong_config_digest"
    case badSignature = "bad_signature"
    case signerOutOfRange = "signer_out_of_range"
    case duplicateSigner = "duplicate_signer"
    case insufficientQuorum = "insufficient_quorum"
    case staleSeq = "stale_seq"
    case seqGapTooLarge = "seq_gap_too_large"

    public var verdict: Verdict {
        switch self {
        case .newHead, .firstReport, .lateFill, .synced: .accept
        case .duplicate, .equivocation, .tooLate, .expired: .ignore
        default: .reject
        }
    }
}

/// The verifier's answer for one message.
public struct ReportDecision: Sendable, Equatable {
    public var reason: ReportReason
    /// A sentence for logs and the CLI, e.g. "2 valid signatures, quorum is 3 of 4".
    public var detail: String
    public var don: String
    public var seq: UInt64
    /// Signing digest of the report, nil when the data did not decode.
    public var reportDigest: [UInt8]?

    public init(reason: ReportReason, detail: String, don: String, seq: UInt64, reportDigest: [UInt8]? = nil) {
        self.reason = reason
        self.detail = detail
        self.don = don
        self.seq = seq
        self.reportDigest = reportDigest
    }

    public var verdict: Verdict { reason.verdict }

    /// Whether the store should index this report by (DON, seq): accepted reports, and a second
    /// report for a stored seq, kept as evidence that the DON equivocated.
    public var indexBySeq: Bool { verdict == .accept || reason == .equivocation }
}
