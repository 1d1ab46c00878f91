import ArgumentParser
import DON
import Foundation
import Wire
import Store

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Sign and verify DON reports.",
        subcommands: [Sign.self, Verify.self])

    struct Sign: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign a report with signers of a DON folder (from `p2pmq don init`).",
            discussion: """
                ed25519 DONs: a SignedReport protobuf. ocr2-evm DONs: transmit calldata (with the \
                selector) whose epoch and round give --seq under the DON's config (seq = (configCount \
                - 1) << 40 | epoch << 8 | round); ocr3-evm DONs: commit calldata with seqNr --seq; \
                the report bytes are --payload. datastreams DONs: a signed v3 report (seqNr --seq, \
                observed at --timestamp, expiring an hour later). keystone DONs: forwarder calldata \
                whose metadata is stamped --timestamp and whose workflow report is that time and \
                --payload (OCR3 capability seqNr --seq). Prints base64, or writes the raw bytes \
                with --out.
                """)

        @Option(name: .customLong("don"), help: "The DON folder.") var donDir: String
        @Option(help: "The scheme to sign in: the DON's own (from `don init --scheme`); given, it must match.") var scheme: String?
        @Option(help: "The topic the report is for (part of what is signed).") var topic: String
        @Option(help: "Sequence number.") var seq: UInt64
        @Option(help: "OCR epoch.") var epoch: UInt64 = 1
        @Option(help: "OCR round.") var round: UInt64 = 0
        @Option(help: "Payload text.") var payload = ""
        @Option(help: "Signer indexes, comma-separated (default: a quorum, from 0).") var signers: SignerList?
        @Option(help: "Timestamp, ns since the epoch (default: now).") var timestamp: UInt64?
        @Option(help: "Write the raw protobuf to this file.") var out: String?

        func run() throws {
            let dir = DONDirectory(path: donDir)
            let config = try dir.config()
            if let scheme {
                guard let wanted = ReportScheme(rawValue: scheme) else { throw ValidationError("--scheme must be one of \(ReportScheme.names)") }
                guard wanted == config.scheme else {
                    throw ValidationError("--scheme \(scheme): \(donDir) is a \(config.scheme.rawValue) DON (make one with `p2pmq don init --scheme \(scheme)`)")
                }
            }
            let indexes = signers?.indexes ?? Array(0..<config.requiredSignatures)
            switch config.scheme {
            case .ocr2EVM, .ocr3EVM:
                let calldata = try config.transmit(seq: seq, report: Array(payload.utf8), keys: try dir.keys(indexes)).encode()
                return try emit(Data(calldata))
            case .dataStreams, .keystone:
                let data = try ReportMaker.make(config, seq: seq, payload: payload, timestamp: timestamp ?? WallClock.nanoseconds(),
                                                keys: try dir.keys(indexes), topic: topic)
                return try emit(Data(data))
            case .ed25519:
                break
            }
            var report = P2pmq_Don_Report()
            report.donID = config.id
            report.configDigest = Data(config.digest)
            report.epoch = epoch
            report.round = round
            report.seq = seq
            report.payload = Data(payload.utf8)
            report.timestamp = timestamp ?? WallClock.nanoseconds()
            let signed = try P2pmq_Don_SignedReport.sign(report, topic: topic, with: try dir.keys(indexes))
            try emit(try signed.serializedBytes())
        }

        private func emit(_ bytes: Data) throws {
            if let out {
                guard FileManager.default.createFile(atPath: out, contents: bytes) else { throw ValidationError("cannot write \(out)") }
                note("wrote \(bytes.count) bytes to \(out)")
            } else {
                print(bytes.base64EncodedString())
            }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give the verdict the agent would give a report.",
            discussion: """
                Any scheme: a SignedReport protobuf, or EVM calldata (OCR2 transmit, OCR3 commit, \
                with or without the selector; a Data Streams signed report; KeystoneForwarder \
                report calldata). Its DON is the one whose config digest (Keystone: config id) it \
                names. Checks the DON, config digest, freshness (expired: older than the DON's \
                max age or past its own expiresAt) and quorum of signatures; with --data-dir also \
                the sequence rules against that dir's heads. Exit status: 0 ACCEPT, 2 IGNORE, \
                3 REJECT (1 for errors).
                """)

        @Option(name: .customLong("don"), help: "A DON folder or don.json; repeat for several DONs.")
        var dons: [String]
        @Option(help: "The topic the report arrived on.") var topic: String
        @Option(name: .customLong("data-dir"), help: "Apply the sequence rules against this data dir's heads.")
        var dataDir: String?
        @Argument(help: "A file with the raw SignedReport or calldata, or - for base64 (or 0x hex) on standard input.")
        var file: String
        @Flag(help: "Print the verdict as JSON.") var json = false

        func run() throws {
            let configs = try dons.map { path in
                try DONConfig.load(path: path.hasSuffix(".json") ? path : DONDirectory(path: path).configPath)
            }
            let data: [UInt8]
            if file == "-" {
                let text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                if text.hasPrefix("0x"), let bytes = Hex.decode(String(text.dropFirst(2)).lowercased()) {
                    data = bytes
                } else {
                    guard let d = Data(base64Encoded: text) else { throw ValidationError("standard input is neither base64 nor 0x hex") }
                    data = Array(d)
                }
            } else {
                guard let d = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(file)") }
                data = Array(d)
            }
            let store = try dataDir.map(StoreAccess.openReadOnly)
            defer { store?.close() }
            let decision = try ReportVerifier(registry: DONRegistry(configs)).verify(data: data, topic: topic, state: store,
                                                                                          now: WallClock.nanoseconds() / 1_000_000_000)
            if json {
                var line = JSONLine()
                line.add("verdict", decision.verdict.name)
                line.add("reason", decision.reason.rawValue)
                line.add("detail", decision.detail)
                line.add("don", decision.don)
                line.add("seq", decision.seq)
                if let digest = decision.reportDigest { line.add("digest", Hex.encode(digest)) }
                let fields = ReportBodyFields.describe(data)
                if !fields.isEmpty { line.addRaw("report", ReportBodyJSON.object(fields)) }
                print(line.text)
            } else {
                print("\(decision.verdict.name) \(decision.reason.rawValue): \(decision.detail)")
                for (name, value) in ReportBodyFields.describe(data) { print("  \(name) \(value)") }
            }
            switch decision.verdict {
            case .accept: return
            case .ignore: throw ExitCode(2)
            case .reject: throw ExitCode(3)
            }
        }
    }
}
