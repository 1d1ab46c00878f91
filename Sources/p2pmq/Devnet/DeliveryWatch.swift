import AgentAPI
import DON
import Foundation
import Wire
import NIOConcurrencyHelpers
import Store

/// Listens on an agent (`MsgRouter.Listen`, every DON topic) and notes each report delivered
/// from the network: how many per DON, and the latency from the report's timestamp (set when the
/// producer signed it) to delivery here.
final class DeliveryWatch: Sendable {
    let node: String
    private let state = NIOLockedValueBox((perDON: [String: Int](), latenciesMs: [Double]()))

    init(node: String) { self.node = node }

    var delivered: [String: Int] { state.withLockedValue { $0.perDON } }
    var latenciesMs: [Double] { state.withLockedValue { $0.latenciesMs } }

    /// Listens until cancelled, again after the agent restarts (churn).
    func run(_ client: AgentClient, topics: [String]) async {
        while !Task.isCancelled {
            await listen(client, topics: topics)
            try? await Task.sleep(for: .milliseconds(500))
        }
    }

    private func listen(_ client: AgentClient, topics: [String]) async {
        try? await client.router.listen(.with { $0.topics = topics }) { response in
            for try await m in response.messages {
                let now = WallClock.nanoseconds()
                guard let signed = try? P2pmq_Don_SignedReport(serializedBytes: m.data) else { continue }
                let sent = signed.report.timestamp
                // A node's own publishes count as delivered but say nothing about the network;
                // only the producers' reports are timed (not the attacker's).
                let remote = m.from != "local" && signed.report.seq >= ReportProducer.firstSeq
                self.state.withLockedValue { s in
                    s.perDON[signed.report.donID, default: 0] += 1
                    if remote, now > sent { s.latenciesMs.append(Double(now - sent) / 1e6) }
                }
            }
        }
    }
}
