/// Checks the frames of one range response as they arrive: records and gaps must cover the
/// requested seqs in order without holes or overlaps, nothing may lie outside the request, and
/// the end must agree with what came before. A server that breaks this is penalized; the check
/// is a state machine so tests can feed it frames directly.
public struct RangeReceiver {
    public let start: UInt64
    public let last: UInt64
    public private(set) var expected: UInt64
    public private(set) var ended = false

    public struct Violation: Error, Equatable {
        /// Stable code stored as the penalty reason: sync_out_of_range, sync_non_contiguous, ...
        public var code: String
        public var detail: String
        public init(code: String, detail: String) {
            self.code = code
            self.detail = detail
        }
    }

    public enum Event: Equatable {
        case record(seq: UInt64, messageID: String, data: [UInt8])
        case gap(ClosedRange<UInt64>, reason: String)
        /// The response ended. `refused` carries the server's status and error when not OK.
        case end(next: UInt64, refused: (status: String, error: String)?)

        public static func == (a: Event, b: Event) -> Bool {
            switch (a, b) {
            case let (.record(s1, m1, d1), .record(s2, m2, d2)): s1 == s2 && m1 == m2 && d1 == d2
            case let (.gap(r1, w1), .gap(r2, w2)): r1 == r2 && w1 == w2
            case let (.end(n1, r1), .end(n2, r2)): n1 == n2 && r1?.status == r2?.status && r1?.error == r2?.error
            default: false
            }
        }
    }

    public init(start: UInt64, count: UInt32) {
        self.start = start
        let (sum, overflow) = start.addingReportingOverflow(UInt64(max(count, 1)) - 1)
        self.last = overflow ? .max : sum
        self.expected = start
    }

    /// The seqs still expected, if the response ended now.
    public var remaining: ClosedRange<UInt64>? { expected <= last && expected >= start ? expected...last : nil }

    public mutating func receive(_ frame: SyncProtocol.Frame) throws(Violation) -> Event {
        guard !ended else { throw Violation(code: "sync_after_end", detail: "frame after the end of the response") }
        switch frame.kind {
        case .record(let r):
            guard r.seq >= start, r.seq <= last else {
                throw Violation(code: "sync_out_of_range", detail: "record seq \(r.seq) is outside the requested \(start)...\(last)")
            }
            guard r.seq == expected else {
                throw Violation(code: "sync_non_contiguous", detail: "record seq \(r.seq) where \(expected) was due")
            }
            expected = r.seq &+ 1
            return .record(seq: r.seq, messageID: r.messageID, data: Array(r.data))
        case .gap(let g):
            guard g.fromSeq == expected, g.toSeq >= g.fromSeq else {
                throw Violation(code: "sync_non_contiguous", detail: "gap \(g.fromSeq)...\(g.toSeq) where \(expected) was due")
            }
            guard g.toSeq <= last else {
                throw Violation(code: "sync_out_of_range", detail: "gap up to \(g.toSeq) is outside the requested \(start)...\(last)")
            }
            expected = g.toSeq &+ 1
            return .gap(g.fromSeq...g.toSeq, reason: g.reason)
        case .end(let e):
            ended = true
            if e.status != .ok { return .end(next: expected, refused: ("\(e.status)", e.error)) }
            guard e.nextSeq == expected else {
                throw Violation(code: "sync_bad_end", detail: "end says next seq \(e.nextSeq), the frames covered up to \(expected)")
            }
            return .end(next: expected, refused: nil)
        case nil:
            throw Violation(code: "sync_malformed", detail: "empty frame")
        }
    }
}
