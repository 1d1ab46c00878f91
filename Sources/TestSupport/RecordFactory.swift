import Wire
import Foundation
import Store

/// Records for tests: distinct message ids, increasing receive times, predictable fields.
public struct RecordFactory {
    public var topic: String
    public var baseTime: UInt64
    private var counter: UInt64 = 0

    public init(topic: String = "reports", baseTime: UInt64 = 1_780_000_000_000_000_000) {
        self.topic = topic
        self.baseTime = baseTime
    }

    public mutating func make(
        don: String = "don-a", seq: UInt64, verdict: Verdict = .accept, from: String = "peer-1",
        reason: String = "", data: [UInt8]? = nil, topic: String? = nil
    ) -> LogRecord {
        counter += 1
        let payload = data ?? Array("report \(topic ?? self.topic) \(don) \(seq) #\(counter)".utf8)
        return LogRecord(
            topic: topic ?? self.topic, messageID: "msg-\(topic ?? self.topic)-\(counter)",
            receivedAt: baseTime + counter * 1_000_000_000, from: from, don: don, seq: seq,
            verdict: verdict, reason: reason, data: payload)
    }

    /// An append item whose report digest is derived from (DON, seq, data), as the verifier would.
    public mutating func item(don: String = "don-a", seq: UInt64, verdict: Verdict = .accept, from: String = "peer-1", penalty: Bool = false) -> AppendItem {
        let r = make(don: don, seq: seq, verdict: verdict, from: from, reason: verdict == .reject ? "bad_signature" : "")
        let p = penalty ? PenaltyRecord(peer: from, at: r.receivedAt, topic: r.topic, messageID: r.messageID, reason: r.reason, verdict: r.verdict, scoreDelta: -1) : nil
        return AppendItem(record: r, reportDigest: Array(r.data.prefix(32)), penalty: p)
    }
}
