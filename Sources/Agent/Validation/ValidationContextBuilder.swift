import AgentAPI
import Core
import DON
import Foundation

/// What a validator is told with each message (`Message.context`): the agent's view of the
/// report's stream, so that `p2pmq validator` applies the sequence rules against the agent's log
/// (as of the message's arrival) without a store of its own, and a restarted or second
/// validator judges exactly as the first.
enum ValidationContextBuilder {
    /// `report`: the message's report as validation decoded it (nil: the data is not one).
    static func live(report: ReportKey?, topic: String, state: SequenceState, knownHead: (String) -> UInt64?, registryVersion: UInt64) -> Proto_ValidationContext {
        var c = Proto_ValidationContext()
        c.registryVersion = registryVersion
        guard let report else { return c }
        let local = try? state.headSeq(topic: topic, don: report.don)
        guard let head = [local ?? nil, knownHead(report.don)].compactMap({ $0 }).max() else { return c }
        c.headSeq = head
        if report.seq <= head, let stored = try? state.storedDigests(topic: topic, don: report.don, seq: report.seq) {
            c.storedDigests = stored.map { Data($0) }
        }
        return c
    }

    /// For a record fetched by range sync: history, judged by its quorum only.
    static func historical(registryVersion: UInt64) -> Proto_ValidationContext {
        var c = Proto_ValidationContext()
        c.historical = true
        c.registryVersion = registryVersion
        return c
    }
}
