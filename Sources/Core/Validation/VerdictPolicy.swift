/// One place that decides, from a validation verdict and the log's answer to appending it, what
/// the node does with a message: forward it, deliver it to listeners (with its offset), count
/// the sender's invalid delivery, or hold it back. Before this lived in three places (the
/// persistence step changed verdicts, the pubsub service filtered penalties, the agent matched
/// reason prefixes).
///
/// The rules, each learnt the hard way (docs/RELIABILITY.md):
/// - nothing that is not in the log is forwarded or delivered, when the log is kept: a store
///   failure turns an ACCEPT into IGNORE;
/// - an ACCEPT for a message the log already holds (range sync brought it while it waited for
///   validation) is neither forwarded late nor delivered twice: peers judge a forwarded report as
///   of its arrival and would penalize a relay that spreads it long after its time;
/// - a REJECT always costs the sender (P4); its penalty record is written with the message, so
///   the router's penalty action is not recorded a second time.
public enum VerdictPolicy {
    public typealias Verdict = GossipsubRouter.Verdict

    /// What the log said when asked to append a judged message.
    public enum LogAnswer: Sendable, Equatable {
        /// Written at this offset of its topic.
        case appended(offset: UInt64)
        /// The log already held this message (same topic and id).
        case alreadyHeld
        /// Not written: the store's quota for records that were not accepted is full (the penalty,
        /// if any, was written).
        case overQuota
        /// The store failed: nothing was written.
        case failed
        /// The node keeps no log (`persistVerdicts: false`): nothing was asked.
        case notKept
    }

    /// What to do with the message.
    public struct Effect: Sendable, Equatable {
        /// The verdict the router applies: forwarding and scoring follow it.
        public var verdict: Verdict
        /// Deliver to local listeners (ACCEPTs only), with the offset when the log has one.
        public var deliver: Bool
        public var offset: UInt64?
        /// The router's penalty for a REJECT is already in the log with the message.
        public var penaltyRecorded: Bool
    }

    public static func decide(_ verdict: Verdict, log: LogAnswer) -> Effect {
        switch (verdict, log) {
        case (_, .failed):
            return Effect(verdict: .ignore, deliver: false, offset: nil, penaltyRecorded: false)
        case (.accept, .alreadyHeld):
            return Effect(verdict: .ignore, deliver: false, offset: nil, penaltyRecorded: false)
        case (.accept, .appended(let offset)):
            return Effect(verdict: .accept, deliver: true, offset: offset, penaltyRecorded: false)
        case (.accept, _):
            return Effect(verdict: .accept, deliver: true, offset: nil, penaltyRecorded: false)
        case (.reject, .notKept):
            return Effect(verdict: verdict, deliver: false, offset: nil, penaltyRecorded: false)
        case (.reject, _):
            return Effect(verdict: verdict, deliver: false, offset: nil, penaltyRecorded: true)
        case (.ignore, _):
            return Effect(verdict: .ignore, deliver: false, offset: nil, penaltyRecorded: false)
        }
    }
}
