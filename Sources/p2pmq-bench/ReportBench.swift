import ArgumentParser
import CSecp256k1Baseline
import DON
import Foundation
import Wire

/// The report verifier's cost per scheme, next to its ceiling in the same run: libsecp256k1's raw
/// `ecdsa_recover` in C (an EVM report of k signatures cannot be judged faster than k
/// recoveries), the Swift verifier on each EVM family's reports (OCR2 transmit, OCR3 commit,
/// Data Streams signed reports, Keystone forwarder calldata), and the Ed25519 envelope's path.
struct ReportBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "EVM report verifier rates per family against raw libsecp256k1 recovery in C; the Ed25519 path beside it.")

    @Option(help: "Reports per scheme.") var reports = 20_000
    @Option(help: "Signers per DON (the EVM layouts are also measured with 16).") var signers = 4

    func run() throws {
        #if DEBUG
        note("warning: a debug build; build with -c release for figures that mean anything")
        #endif
        func recoverRate(_ count: UInt64) -> Double {
            let ns = p2pmq_secp256k1_recover_ns(count)
            precondition(ns > 0, "libsecp256k1 recovery failed in the C baseline")
            return Double(count) / (Double(ns) / 1e9)
        }
        let rawRate = recoverRate(UInt64(max(reports, 1000)))

        let topic = "bench/reports"
        let payload = String(repeating: "x", count: 160)
        /// Reports of an EVM DON of `n` signers in `scheme`, f+1 of them signing each.
        func evm(_ scheme: ReportScheme, signers n: Int) throws -> (DONConfig, [[UInt8]]) {
            let keys = (0..<n).map { SignerKey.generate(index: $0, scheme: scheme) }
            let config = try DONConfig.fresh(id: "don-o", scheme: scheme, keys: keys)
            let quorum = Array(keys.prefix(config.requiredSignatures))
            return (config, try (0..<reports).map { try ReportMaker.make(config, seq: UInt64($0 + 1), payload: payload, keys: quorum, topic: topic) })
        }
        func rate(_ config: DONConfig, _ data: [[UInt8]], cache: Bool = false) -> Double {
            let verifier = ReportVerifier(registry: DONRegistry([config]), verified: cache ? VerifiedReports() : nil)
            if cache { for d in data { _ = verifier.verifyHistorical(data: d, topic: topic) } }
            let start = monotonicSeconds()
            for d in data { precondition(verifier.verifyHistorical(data: d, topic: topic).verdict == .accept) }
            return Double(data.count) / (monotonicSeconds() - start)
        }
        note("signing \(reports) reports per family")
        let edKeys = (0..<signers).map(SignerKey.generate)
        let edConfig = try DONConfig(id: "don-e", signers: edKeys.map(\.publicKey), quorum: .default)
        let edReports = try (0..<reports).map { i in
            try ReportMaker.make(edConfig, seq: UInt64(i + 1), payload: payload, keys: Array(edKeys.prefix(edConfig.requiredSignatures)), topic: topic)
        }
        print("report verifier benchmark: \(reports) reports per row, one core")
        print(String(format: "raw libsecp256k1 ecdsa_recover (C):  %.0f recoveries/s (baseline)", rawRate))
        for scheme in ReportScheme.allCases where scheme.isEVM {
            for n in Array(Set([signers, 16])).sorted() {
                let (config, data) = try evm(scheme, signers: n)
                let k = config.requiredSignatures
                // The baseline again right before the row: the machine's pace drifts.
                let raw = recoverRate(UInt64(reports))
                let ceiling = raw / Double(k)
                let measured = rate(config, data)
                print(config.scheme.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0) + String(format: " f+1 = %d of %2d: %7.0f reports/s = %3.0f%% of the ceiling %.0f (raw %.0f/s just before; goal: at least 90%%); cache hit %.0f reports/s",
                                                              k, n, measured, measured / ceiling * 100, ceiling, raw, rate(config, data, cache: true)))
            }
        }
        print(String(format: "ed25519 %d of %d:               %7.0f reports/s", edConfig.requiredSignatures, signers, rate(edConfig, edReports)))
    }
}
