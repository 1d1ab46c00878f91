import DON
import Foundation
import NIOConcurrencyHelpers

/// The byzantine node's attacks on one DON's topic, sent through its own agent (which floods them
/// to every peer). It holds a quorum of that DON's keys (a compromised DON), so besides reports
/// with too few or forged signatures it can send validly signed reports with stale and
/// unrealistic seqs, and equivocating ones (a second report for a seq the DON already reported).
final class ByzantineSender: Sendable {
    enum Attack: String, CaseIterable, Sendable {
        case tooFewSignatures = "too_few_signatures"
        case forgedSignatures = "forged_signatures"
        case unrealisticSeq = "unrealistic_seq"
        case staleSeq = "stale_seq"
        case equivocation
        case wrongDigest = "wrong_digest"

        /// The verdict reason honest nodes should give (OCR2 calldata names its DON only by its
        /// config digest: an unknown one is an unknown DON).
        func expectedReason(_ scheme: ReportScheme) -> String {
            switch self {
            case .tooFewSignatures: "insufficient_quorum"
            case .forgedSignatures: "bad_signature"
            case .unrealisticSeq: "seq_gap_too_large"
            case .staleSeq: "stale_seq"
            case .equivocation: "equivocation"
            case .wrongDigest: scheme.isEVM ? "unknown_don" : "wrong_config_digest"
            }
        }

        /// Whether honest nodes penalize it (equivocation is kept as evidence, IGNOREd).
        var penalized: Bool { self != .equivocation }
    }

    let don: DevnetLayout.DON
    let client: AgentClient
    let producer: ReportProducer
    private let sent = NIOLockedValueBox([String: Int]())

    init(don: DevnetLayout.DON, client: AgentClient, producer: ReportProducer) {
        self.don = don
        self.client = client
        self.producer = producer
    }

    var counts: [String: Int] { sent.withLockedValue { $0 } }

    /// One attack of each kind in turn, every `interval`, until cancelled. Stale replays use seqs
    /// from before the devnet (below `ReportProducer.firstSeq`): no node holds a report for them
    /// (a seq that is held makes a second report an equivocation instead).
    func run(interval: Duration) async {
        var turn = 0
        let t = don.config.thresholds
        let q = don.config.requiredSignatures
        while !Task.isCancelled {
            let attack = Attack.allCases[turn % Attack.allCases.count]
            turn += 1
            let head = producer.head
            var data: [UInt8]?
            switch attack {
            case .tooFewSignatures:
                data = try? ReportProducer.signed(don, seq: head + 1, payload: "byzantine: one signature", signers: [0])
            case .forgedSignatures:
                data = try? ReportMaker.forged(don.config, seq: head + 1, payload: "byzantine: forged", topic: don.topic)
            case .wrongDigest:
                data = try? ReportMaker.wrongDigest(don.config, seq: head + 1, payload: "byzantine: wrong digest",
                                                    keys: Array(don.keys.prefix(q)), topic: don.topic)
            case .unrealisticSeq:
                data = try? ReportProducer.signed(don, seq: head + 100 * t.maxSeqGap, payload: "byzantine: far ahead", signers: Array(0..<q))
            case .staleSeq:
                let seq = ReportProducer.firstSeq - t.validity - 1 - UInt64(turn % 50)
                data = try? ReportProducer.signed(don, seq: seq, payload: "byzantine: stale", signers: Array(0..<q))
            case .equivocation:
                if producer.produced > 3 { data = try? ReportProducer.signed(don, seq: head - 3, payload: "byzantine: equivocating", signers: Array(0..<q)) }
            }
            if let data, (try? await client.publish(topic: don.topic, data: data)) != nil {
                sent.withLockedValue { $0[attack.rawValue, default: 0] += 1 }
            }
            try? await Task.sleep(for: interval)
        }
    }
}
