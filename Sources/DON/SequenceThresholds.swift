/// Per-DON limits of the sequence rules (docs/DON.md): how far behind the head a report may still
/// fill a gap (`skip`), how far behind it is merely late rather than a stale replay (`validity`),
/// and how far ahead of the best known head a report is still realistic (`maxSeqGap`).
public struct SequenceThresholds: Sendable, Equatable {
    public var skip: UInt64
    public var validity: UInt64
    public var maxSeqGap: UInt64

    public init(skip: UInt64 = 10, validity: UInt64 = 100, maxSeqGap: UInt64 = 1000) {
        self.skip = skip
        self.validity = validity
        self.maxSeqGap = maxSeqGap
    }

    func validate(don: String) throws {
        guard validity > skip else {
            throw DONError(.invalidConfig, "DON \(don): validityThreshold (\(validity)) must be greater than skipThreshold (\(skip))")
        }
        guard maxSeqGap > 0 else { throw DONError(.invalidConfig, "DON \(don): maxSeqGap must be at least 1") }
    }
}
