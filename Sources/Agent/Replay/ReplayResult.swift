import Wire
import Store

/// How recorded messages are paced when fed to the validator.
public enum ReplayTiming: String, Sendable, CaseIterable {
    /// As fast as the validator answers (a window of messages in flight).
    case instant
    /// With the recorded gaps between receive times, divided by the speed factor.
    case original
}

/// A record whose verdict now differs from the one stored with it.
public struct ReplayDifference: Sendable, Equatable {
    public var offset: UInt64
    public var messageID: String
    public var recorded: Verdict
    public var now: Verdict
    /// The validator's reason for a REJECT now, else empty.
    public var reason: String
}

/// How closely `--timing original` kept the recorded gaps (gaps of at least a millisecond).
public struct ReplayTimingReport: Sendable {
    public var gaps = 0
    public var recordedSpanSeconds = 0.0
    public var replayedSpanSeconds = 0.0
    /// |replayed gap - recorded gap / speed| / (recorded gap / speed), over the gaps.
    public var meanError = 0.0
    public var p95Error = 0.0
    public var maxError = 0.0
}

public struct ReplayResult: Sendable {
    public var topic: String
    public var from: UInt64
    /// The last offset the replay meant to reach (inclusive).
    public var to: UInt64
    public var replayed = 0
    public var counts: [Verdict: Int] = [:]
    public var recorded: [Verdict: Int] = [:]
    public var differences: [ReplayDifference] = []
    /// Over the replayed prefix, from `from`.
    public var digest = ReplayDigest()
    /// The first offset without a verdict, when the replay could not finish: resume with
    /// `--from` this offset.
    public var stoppedAt: UInt64?
    public var stopReason: String?
    public var seconds = 0.0
    public var timing: ReplayTimingReport?

    public var rate: Double { seconds > 0 ? Double(replayed) / seconds : 0 }
}
