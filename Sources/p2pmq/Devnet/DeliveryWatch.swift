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
    /// The devnet's DONs: OCR2 calldata names its DON by config digest.
    let registry: DONRegistry
    private let state = NIOLockedValueBox((perDON: [String: Int](), latenciesMs: [Double]()))

    init(node: String, registry: DONRegistry) {
        self.node = node
        self.registry = registry
    }

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
                let data = Array(m.data)
                guard let report = DecodedReport.decode(data, topic: m.topic, registry: self.registry), let sent = ReportMaker.timestamp(of: report) else { continue }
                // A node's own publishes count as delivered but say nothing about the network;
                // only the producers' reports are timed (not the attacker's).
                let remote = m.from != "local" && report.seq >= ReportProducer.firstSeq
                self.state.withLockedValue { s in
                    s.perDON[report.don, default: 0] += 1
                    if remote, now > sent { s.latenciesMs.append(Double(now - sent) / 1e6) }
                }
            }
        }
    }
}
