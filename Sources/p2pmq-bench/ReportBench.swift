import ArgumentParser
import CSecp256k1Baseline
import DON
import Foundation
import Wire

/// The report verifier's cost per scheme, next to its ceiling in the same run: libsecp256k1's raw
/// `ecdsa_recover` in C (an OCR2 report of k signatures cannot be judged faster than k
/// recoveries), the Swift verifier on OCR2 transmit calldata, and the Ed25519 envelope's path.
struct ReportBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "OCR2 verifier rate against raw libsecp256k1 recovery in C; the Ed25519 path beside it.")

    @Option(help: "Reports per scheme.") var reports = 20_000
    @Option(help: "Signers per DON.") var signers = 4

    func run() throws {
        #if DEBUG
        note("warning: a debug build; build with -c release for figures that mean anything")
        #endif
        let rawCount: UInt64 = UInt64(max(reports, 1000))
        let rawNs = p2pmq_secp256k1_recover_ns(rawCount)
        guard rawNs > 0 else { throw ValidationError("libsecp256k1 recovery failed in the C baseline") }
        let rawRate = Double(rawCount) / (Double(rawNs) / 1e9)

        let ocr2Keys = (0..<signers).map { SignerKey.generate(index: $0, scheme: .ocr2EVM) }
        let ocr2 = OCR2Config(chainID: 1, contractAddress: OCR2Config.randomAddress(), configCount: 1, signers: ocr2Keys.compactMap(\.address),
                              transmitters: ocr2Keys.map { _ in OCR2Config.randomAddress() }, f: UInt8(max(1, (signers - 1) / 3)))
        let ocr2Config = try DONConfig(id: "don-o", ocr2: ocr2, quorum: .fPlusOne)
        let edKeys = (0..<signers).map(SignerKey.generate)
        let edConfig = try DONConfig(id: "don-e", signers: edKeys.map(\.publicKey), quorum: .default)
        let topic = "bench/reports"
        note("signing \(reports) reports per scheme")
        let payload = String(repeating: "x", count: 160)
        let ocr2Reports = try (0..<reports).map { i in
            try ReportMaker.make(ocr2Config, seq: UInt64(i + 1), payload: payload, keys: Array(ocr2Keys.prefix(ocr2Config.requiredSignatures)), topic: topic)
        }
        let edReports = try (0..<reports).map { i in
            try ReportMaker.make(edConfig, seq: UInt64(i + 1), payload: payload, keys: Array(edKeys.prefix(edConfig.requiredSignatures)), topic: topic)
        }
        func rate(_ config: DONConfig, _ data: [[UInt8]]) -> Double {
            let verifier = ReportVerifier(registry: DONRegistry([config]))
            let start = monotonicSeconds()
            for d in data { precondition(verifier.verifyHistorical(data: d, topic: topic).verdict == .accept) }
            return Double(data.count) / (monotonicSeconds() - start)
        }
        let ocr2Rate = rate(ocr2Config, ocr2Reports)
        let edRate = rate(edConfig, edReports)
        let k = ocr2Config.requiredSignatures
        let ceiling = rawRate / Double(k)
        print("report verifier benchmark: \(reports) reports per scheme, one core, \(signers) signers per DON")
        print(String(format: "raw libsecp256k1 ecdsa_recover (C):  %.0f recoveries/s (baseline)", rawRate))
        print(String(format: "ceiling for %d signatures per report: %.0f reports/s", k, ceiling))
        print(String(format: "ocr2-evm verifier (Swift):           %.0f reports/s = %.0f%% of the ceiling (goal: at least 90%%)", ocr2Rate, ocr2Rate / ceiling * 100))
        print(String(format: "ed25519 verifier (%d of %d):           %.0f reports/s", edConfig.requiredSignatures, signers, edRate))
    }
}
