import ArgumentParser
import DON
import Foundation

/// `p2pmq devnet` at rising report rates, next to what one report costs at the least: the quorum
/// check (libsodium, one core) for CPU and the report's own bytes for disk, measured in this run.
struct DevnetBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devnet",
        abstract: "Devnet at rising rates: highest rate every honest node receives in full, p99, CPU and disk per report.",
        discussion: "Runs the p2pmq binary next to this one (`p2pmq devnet --byzantine 0 --no-late-joiner --json`) once per rate.")

    @Option(help: "Reports per second per DON, comma-separated, rising.") var rates = "10,25,50,100,200"
    @Option(help: "Production time per rate (Go duration).") var duration = "15s"
    @Option(help: "DONs.") var dons = 3
    @Option(help: "Nodes per DON.") var nodes = 4
    @Option(help: "How the DONs sign: ocr2-evm (the devnet's default) or ed25519.") var scheme = "ocr2-evm"
    @Flag(help: "Go on after the first rate that loses reports.") var all = false

    func run() async throws {
        #if DEBUG
        note("warning: a debug build; build with -c release for figures that mean anything")
        #endif
        let rateList = rates.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !rateList.isEmpty else { throw ValidationError("--rates: give numbers, e.g. 10,50,100") }
        let p2pmq = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("p2pmq").path
        guard FileManager.default.isExecutableFile(atPath: p2pmq) else { throw ValidationError("no p2pmq binary next to this one (\(p2pmq)); build it") }

        // Baselines, this run: a report as the devnet's producers make it, in its scheme.
        guard let reportScheme = ReportScheme(rawValue: scheme) else { throw ValidationError("--scheme must be ocr2-evm, ocr3-evm or ed25519") }
        let keys = (0..<nodes).map { SignerKey.generate(index: $0, scheme: reportScheme) }
        let config: DONConfig
        if reportScheme.isEVM {
            let ocr2 = OCR2Config.fresh(for: keys)
            config = try DONConfig(id: "don-a", ocr2: ocr2, quorum: .fPlusOne, layout: reportScheme.evmLayout!)
        } else {
            config = try DONConfig(id: "don-a", signers: keys.map(\.publicKey))
        }
        let verifier = ReportVerifier(registry: DONRegistry([config]))
        let signed = try ReportMaker.make(config, seq: 100_001, payload: "don-a report 100001", keys: Array(keys.prefix(config.requiredSignatures)), topic: "don-a/reports")
        let n = 3000
        let t0 = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<n { precondition(verifier.verifyHistorical(data: signed, topic: "don-a/reports").verdict == .accept) }
        let verifyMs = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6 / Double(n)

        let root = FileManager.default.temporaryDirectory.appendingPathComponent("p2pmq-devnet-bench-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        print("devnet: \(dons) DONs x \(nodes) nodes (\(dons * nodes) agents + \(dons * nodes) validators), \(duration) per rate, no attacker")
        print("baseline, this run: quorum check of one \(scheme) report " + String(format: "%.3f ms CPU (1 core); a report is %d bytes", verifyMs, signed.count))
        print("rate/DON  made/s   all received  p50 ms   p99 ms   CPU ms/report/agent (x check)  disk B/report (x report)")
        var best: Double?
        for rate in rateList {
            let dir = "\(root)/rate-\(Int(rate))"
            let process = Process()
            process.executableURL = URL(fileURLWithPath: p2pmq)
            process.arguments = ["devnet", "--scheme", scheme, "--dons", "\(dons)", "--nodes", "\(nodes)", "--byzantine", "0", "--no-late-joiner",
                                 "--duration", duration, "--rate", "\(rate)", "--dir", dir, "--json"]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            guard let s = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                print(String(format: "%8.0f  devnet failed (status %d); see %@", rate, process.terminationStatus, dir))
                break
            }
            let complete = s["all_delivered"] as? Bool ?? false
            let latency = s["latency_ms"] as? [String: Any] ?? [:]
            let cpu = s["cpu_ms_per_report_per_agent"] as? Double ?? .nan
            let disk = s["disk_bytes_per_report"] as? Double ?? .nan
            let actual = s["produced_per_second"] as? Double ?? .nan
            print(String(format: "%8.0f  %7.0f  %-12@  %7.2f  %7.2f  %8.3f (%5.1fx)                 %6.0f (%4.1fx)",
                         rate, actual, complete ? "yes" : "NO", latency["p50"] as? Double ?? .nan, latency["p99"] as? Double ?? .nan,
                         cpu, cpu / verifyMs, disk, disk / Double(signed.count)))
            try? FileManager.default.removeItem(atPath: dir)
            if complete { best = rate } else if !all { break }
        }
        print(best.map { String(format: "highest rate with every report on every honest node: %.0f/s per DON (%.0f/s in all)", $0, $0 * Double(dons)) }
              ?? "no rate delivered every report")
    }
}
