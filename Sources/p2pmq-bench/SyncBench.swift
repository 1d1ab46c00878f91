import Agent
import AgentAPI
import ArgumentParser
import Crypto
import DON
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import Store
import Wire

/// A late joiner catching up a DON's reports from one agent over TCP (range sync, every record's
/// quorum re-verified), next to the ceiling: verifying the same reports' quorum signatures in one
/// process on every core. And `p2pmq replay --timing instant` into a validator over gRPC, next to
/// the raw LMDB scan of the same log. All in one run.
struct SyncBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Catch-up rate against the quorum-verify ceiling; replay rate against the raw LMDB scan.")

    @Option(help: "Signed reports in the log.") var reports = 100_000
    @Option(help: "Signers of the DON (quorum f+1 for ocr2-evm, n-f for ed25519).") var signers = 4
    @Option(help: "ocr2-evm (transmit calldata, secp256k1), ocr3-evm (commit calldata) or ed25519 (our envelope).") var scheme = "ocr2-evm"
    @Option(help: "Replay window (messages in flight).") var window = 256

    static let topic = "don-bench/reports"

    func run() async throws {
        #if DEBUG
        note("warning: a debug build; build with -c release for figures that mean anything")
        #endif
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("p2pmq-sync-bench-\(UUID())").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        guard let reportScheme = ReportScheme(rawValue: scheme) else { throw ValidationError("--scheme must be ocr2-evm, ocr3-evm or ed25519") }
        let keys = (0..<signers).map { SignerKey.generate(index: $0, scheme: reportScheme) }
        let thresholds = SequenceThresholds(skip: 100, validity: 1000, maxSeqGap: 10_000)
        let config: DONConfig
        if reportScheme.isEVM {
            let ocr2 = OCR2Config.fresh(for: keys)
            config = try DONConfig(id: "don-bench", ocr2: ocr2, quorum: .fPlusOne, thresholds: thresholds, layout: reportScheme.evmLayout!)
        } else {
            config = try DONConfig(id: "don-bench", signers: keys.map(\.publicKey), quorum: .default, thresholds: thresholds)
        }
        let donPath = root + "/don.json"
        try config.json().write(to: URL(fileURLWithPath: donPath))
        let cores = ProcessInfo.processInfo.activeProcessorCount

        note("signing \(reports) reports (\(config.requiredSignatures) of \(signers) signatures each)")
        let signed = try Self.sign(reports, config: config, keys: Array(keys.prefix(config.requiredSignatures)), cores: cores)

        // Ceiling: the quorum check alone, one core and every core.
        let verifier = ReportVerifier(registry: DONRegistry([config]))
        let oneCore = Self.timed { for data in signed.prefix(min(reports, 20_000)) { precondition(verifier.verifyHistorical(data: data, topic: Self.topic).verdict == .accept) } }
        let oneCoreRate = Double(min(reports, 20_000)) / oneCore
        let allCores = Self.timed {
            DispatchQueue.concurrentPerform(iterations: cores) { part in
                for i in stride(from: part, to: signed.count, by: cores) {
                    precondition(verifier.verifyHistorical(data: signed[i], topic: Self.topic).verdict == .accept)
                }
            }
        }
        let ceiling = Double(reports) / allCores
        // Which Ed25519 is faster here (the design asks to measure before choosing).
        let (sodium, boring) = try Self.libraries(SignerKey.generate(index: 0))

        note("filling the source agent's log")
        let source = try node(root, "source", donPath)
        var items: [AppendItem] = []
        for (i, data) in signed.enumerated() {
            items.append(AppendItem(
                record: LogRecord(topic: Self.topic, messageID: Hex.encode(Array(SHA256.hash(data: data)).prefix(20)), receivedAt: UInt64(i) * 1_000_000,
                                  from: "local", don: config.id, seq: UInt64(i + 1), verdict: .accept, reason: "", data: data),
                reportDigest: DecodedReport.digest(of: data, topic: Self.topic)))
            if items.count == 4096 || i == signed.count - 1 {
                _ = try await source.store.append(items)
                items.removeAll(keepingCapacity: true)
            }
        }
        let sourceAddr = try await source.start()[0]
        let joiner = try node(root, "joiner", donPath)
        _ = try await joiner.start()

        note("late joiner catching up \(reports) reports")
        let began = monotonicSeconds()
        _ = try await joiner.host.dial(sourceAddr)
        await joiner.catchUp()
        while (try joiner.store.head(topic: Self.topic, don: config.id)?.seq ?? 0) < UInt64(reports) {
            try await Task.sleep(for: .milliseconds(20))
            await joiner.syncIdle()
        }
        let catchUp = Double(reports) / (monotonicSeconds() - began)

        note("replaying the joiner's log")
        let scanSeconds = Self.timed {
            var n = 0
            try? joiner.store.scanViews(topic: Self.topic) { _, view in
                n += view.data.count > 0 ? 1 : 0
                return true
            }
            precondition(n == reports)
        }
        let scanRate = Double(reports) / scanSeconds
        let replayRate = try await replay(joiner.store)
        let inProcessRate = try await replayInProcess(joiner.store)
        await joiner.stop()
        await source.stop()

        print("sync benchmark: \(reports) \(config.scheme.rawValue) reports of DON don-bench (\(config.requiredSignatures) of \(signers) signatures), \(cores) cores")
        print(String(format: "Ed25519 verify, one core:  libsodium %.0f/s   swift-crypto %.0f/s  (the verifier uses libsodium)", sodium, boring))
        print(String(format: "quorum verify, one core:   %.0f reports/s", oneCoreRate))
        print(String(format: "quorum verify, %d cores:    %.0f reports/s   (ceiling)", cores, ceiling))
        print(String(format: "late-joiner catch-up:      %.0f reports/s   = %.0f%% of the ceiling (goal: at least 50%%)", catchUp, catchUp / ceiling * 100))
        print(String(format: "raw LMDB scan:             %.0f records/s (baseline)", scanRate))
        print(String(format: "replay, instant, gRPC:     %.0f records/s   = %.1f%% of the scan (goal: at least 50%%), window %d", replayRate, replayRate / scanRate * 100, window))
        print(String(format: "replay, in-process judge:  %.0f records/s   = %.1f%% of the scan (no gRPC: the replay engine alone)", inProcessRate, inProcessRate / scanRate * 100))
    }

    private func node(_ root: String, _ name: String, _ donPath: String) throws -> AgentNode {
        var c = AgentConfig()
        c.dataDir = root + "/" + name
        c.listenAddrs = [try Multiaddr("/ip4/127.0.0.1/tcp/0")]
        c.topics = [AgentConfig.TopicConfig(name: Self.topic)]
        c.dons = [donPath]
        var logger = Logger(label: "p2pmq.bench")
        logger.logLevel = .error
        return try AgentNode(config: c, identity: PrivateKey.generate(), logger: logger)
    }

    /// Replays the log into an accept-all validator connected over gRPC; returns records/s.
    private func replay(_ store: ReportStore) async throws -> Double {
        let pool = ValidatorPool()
        let validator = try await AcceptAllValidator.connect(to: pool)
        let rate = try await replayAll(store, pool)
        await validator.stop()
        return rate
    }

    /// Replays the whole topic through `pool`; returns records/s.
    private func replayAll(_ store: ReportStore, _ pool: ValidatorPool) async throws -> Double {
        try await replayRate(store, topic: Self.topic, pool: pool, window: window, expect: reports)
    }

    /// The same replay with the validator attached to the pool in-process: what the replay engine
    /// costs without the gRPC round trip.
    private func replayInProcess(_ store: ReportStore) async throws -> Double {
        let pool = ValidatorPool()
        let (_, batches) = await pool.connect()
        let judge = Task {
            for await batch in batches {
                await pool.verdicts(batch.map { m in .with { $0.msg = .with { $0.messageID = m.messageID }; $0.result = .accept } })
            }
        }
        defer { judge.cancel() }
        let rate = try await replayAll(store, pool)
        await pool.disconnectAll()
        return rate
    }

    static func timed(_ body: () -> Void) -> Double {
        let start = monotonicSeconds()
        body()
        return monotonicSeconds() - start
    }

    static func sign(_ count: Int, config: DONConfig, keys: [SignerKey], cores: Int) throws -> [[UInt8]] {
        let box = SignedBox(count)
        DispatchQueue.concurrentPerform(iterations: cores) { part in
            for i in stride(from: part, to: count, by: cores) {
                let payload = "{\"price\":\(40_000 + i % 2_000),\"seq\":\(i + 1),\"pad\":\"\(String(repeating: "x", count: 160))\"}"
                box.set(i, try! ReportMaker.make(config, seq: UInt64(i + 1), payload: payload, timestamp: 1_780_000_000_000_000_000 + UInt64(i),
                                                 keys: keys, topic: topic))
            }
        }
        return box.values
    }

    /// Single-signature verify rates of libsodium (through the DON verifier's path) and swift-crypto.
    static func libraries(_ key: SignerKey) throws -> (sodium: Double, boring: Double) {
        let messages = (0..<5000).map { i in Array(SHA256.hash(data: Array("message \(i)".utf8))) }
        let signatures = try messages.map { try key.sign($0) }
        let publicKey = try Curve25519.Signing.PublicKey(rawRepresentation: key.publicKey)
        let boring = timed { for (m, s) in zip(messages, signatures) { precondition(publicKey.isValidSignature(s, for: m)) } }
        let sodium = timed { for (m, s) in zip(messages, signatures) { precondition(SignerKey.verify(s, for: m, publicKey: key.publicKey)) } }
        return (Double(messages.count) / sodium, Double(messages.count) / boring)
    }
}

/// Results of the parallel signing, one slot per report.
private final class SignedBox: @unchecked Sendable {
    // @unchecked: every slot is written by exactly one iteration of concurrentPerform, and read
    // only after it returns.
    var values: [[UInt8]]
    init(_ count: Int) { values = Array(repeating: [], count: count) }
    func set(_ i: Int, _ v: [UInt8]) { values.withUnsafeMutableBufferPointer { $0[i] = v } }
}
