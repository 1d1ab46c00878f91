/// What one catch-up round did.
public struct CatchUpReport: Sendable {
    public var peersAsked = 0
    /// (topic, DON) streams that peers reported.
    public var streams = 0
    /// Seqs this node lacked at the start of the round.
    public var missing: UInt64 = 0
    public var appended = 0
    /// Seqs no peer could provide, by "topic/DON".
    public var unavailable: [String: String] = [:]
    /// Peers dropped from the round: they stalled, broke the protocol or sent forged records.
    public var excluded: [String] = []
    public var seconds = 0.0

    public init() {}
}
