import DON
import Foundation
import Wire
import NIOConcurrencyHelpers
import Store

/// Makes a DON's reports: seq `firstSeq`, `firstSeq` + 1, ... at `rate` per second, each signed by a quorum of the
/// DON's signer keys (a different quorum each round, as OCR leaders rotate) and published
/// through the agent of one of the DON's nodes in turn.
final class ReportProducer: Sendable {
    let don: DevnetLayout.DON
    let publishers: [AgentClient]
    let rate: Double
    /// Whether a failed publish is tried again through the DON's other nodes until one
    /// acknowledges it (agents are being killed: the DON's report must still get out).
    let retry: Bool
    private let state = NIOLockedValueBox((produced: UInt64(0), failures: 0, lastError: "", acks: [UInt64: Int](), retries: 0))

    init(don: DevnetLayout.DON, publishers: [AgentClient], rate: Double, retry: Bool = false) {
        self.don = don
        self.publishers = publishers
        self.rate = rate
        self.retry = retry
    }

    /// Publishes tried again through another node after one failed (churn).
    var retries: Int { state.withLockedValue { $0.retries } }

    /// Which publisher (index into `publishers`) acknowledged each seq.
    var acknowledgements: [UInt64: Int] { state.withLockedValue { $0.acks } }

    /// The DONs ran before the devnet: their earlier reports are outside every node's log, so
    /// seqs below this are free for the byzantine node's stale replays.
    static let firstSeq: UInt64 = 100_001

    /// Reports produced so far (seqs firstSeq ..< firstSeq + produced).
    var produced: UInt64 { state.withLockedValue { $0.produced } }
    /// The DON's head: its last report's seq (firstSeq - 1 before the first).
    var head: UInt64 { Self.firstSeq + produced - 1 }
    var failures: (count: Int, last: String) { state.withLockedValue { ($0.failures, $0.lastError) } }

    /// The DON's report for `seq` in its scheme (SignedReport or OCR2 transmit calldata).
    static func signed(_ don: DevnetLayout.DON, seq: UInt64, payload: String, signers: [Int]) throws -> [UInt8] {
        try ReportMaker.make(don.config, seq: seq, payload: payload, keys: signers.map { don.keys[$0] }, topic: don.topic)
    }

    /// Publishes until cancelled, on a fixed schedule: each report is published without waiting
    /// for the previous publish to return (at most `window` in flight), so a slow gRPC round
    /// trip does not lower the rate. A report whose publish fails is counted and not retried.
    func run(window: Int = 256) async {
        let clock = ContinuousClock()
        let interval = Duration.nanoseconds(Int64(1e9 / max(rate, 0.001)))
        var next = clock.now
        let n = don.keys.count, q = don.config.requiredSignatures
        await withTaskGroup(of: Void.self) { group in
            var inFlight = 0
            while !Task.isCancelled {
                if inFlight >= window {
                    await group.next()
                    inFlight -= 1
                }
                let count = state.withLockedValue { s -> UInt64 in
                    s.produced += 1
                    return s.produced
                }
                let seq = Self.firstSeq + count - 1
                let signers = (0..<q).map { (Int(seq) + $0) % n }
                inFlight += 1
                group.addTask {
                    // Detached: stopping the producer must not abandon a report half published.
                    await Task.detached { await self.publish(seq: seq, signers: signers) }.value
                }
                next = next.advanced(by: interval)
                if next > clock.now { try? await clock.sleep(until: next) } else { next = clock.now }
            }
            // Publishes already started finish (or fail) before the producer reports done.
            await group.waitForAll()
        }
    }

    /// Publishes one report through the DON's node whose turn it is; with `retry`, through the
    /// next ones in turn until one acknowledges it (for at most 60 s).
    private func publish(seq: UInt64, signers: [Int]) async {
        let data: [UInt8]
        do { data = try Self.signed(don, seq: seq, payload: "\(don.config.id) report \(seq)", signers: signers) } catch {
            return noteFailure(error)
        }
        let deadline = ContinuousClock.now + .seconds(60)
        var attempt = 0
        while true {
            let index = (Int(seq) + attempt) % publishers.count
            do {
                _ = try await publishers[index].publish(topic: don.topic, data: data)
                state.withLockedValue { $0.acks[seq] = index }
                return
            } catch {
                guard retry, ContinuousClock.now < deadline else { return noteFailure(error) }
                attempt += 1
                state.withLockedValue { $0.retries += 1 }
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    private func noteFailure(_ error: Error) {
        state.withLockedValue {
            $0.failures += 1
            $0.lastError = "\(error)"
        }
    }
}
