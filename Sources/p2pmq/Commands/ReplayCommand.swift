import Agent
import ArgumentParser
import Foundation
import NIOConcurrencyHelpers
import Store

extension ReplayBound: ExpressibleByArgument {
    public init?(argument: String) { self.init(text: argument) }
}

extension ReplayTiming: ExpressibleByArgument {}

struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Feed a topic's recorded messages to a validator and compare its verdicts with the recorded ones.",
        discussion: """
            Messages go out in log order over the ValidationRouter protocol, as from a live agent: with \
            --serve this command listens on ADDR and an unchanged validator connects to it; with \
            --validator-cmd it starts the validator itself (the address is in $P2PMQ_GRPC and replaces \
            {addr} in the command). It prints the verdict counts, every record whose verdict differs from \
            the recorded one, and a digest chained over (offset, message id, verdict): the same log and \
            the same validator give the same digest, every time.

            --from and --to (inclusive) take an offset (1200), an RFC 3339 time (2026-11-27T10:00:00Z), \
            or a DON's report (don-a:42). If the validator stops answering, the replay prints where it \
            stopped; run again with --from that offset to go on (the digest then covers the rest). \
            Exit status: 0 when every record got a verdict, 3 when the replay stopped early.
            """)

    @OptionGroup var store: DataDirOptions
    @Option(help: "The topic to replay.") var topic: String
    @Option(help: "First record: offset, time or DON:seq (default: the first stored).") var from: ReplayBound?
    @Option(help: "Last record (inclusive): offset, time or DON:seq (default: the last stored).") var to: ReplayBound?
    @Option(help: "instant (as fast as the validator answers) or original (the recorded gaps).") var timing = ReplayTiming.instant
    @Option(help: "With --timing original: replay this many times faster than recorded.") var speed = 1.0
    @Option(help: "Serve the ValidationRouter API on this host:port for a validator to connect to.") var serve: String?
    @Option(name: .customLong("validator-cmd"), help: "Start this shell command as the validator.") var validatorCommand: String?
    @Option(name: .customLong("validator-log"), help: "Write the started validator's output here (default: its stderr to ours).") var validatorLog: String?
    @Option(help: "Seconds to wait for a validator to connect.") var connectTimeout = 30.0
    @Option(help: "Seconds one verdict may take before the replay stops.") var verdictTimeout = 30.0
    @Option(help: "Messages in flight at once.") var window = 64
    @Option(help: "Differences listed in the table output (0: all; --json lists all).") var maxDifferences = 50
    @Flag(help: "Print the result as one JSON object.") var json = false

    func validate() throws {
        guard (serve == nil) != (validatorCommand == nil) else {
            throw ValidationError("give exactly one of --serve ADDR and --validator-cmd CMD")
        }
        if let serve, AgentConfig.splitHostPort(serve) == nil { throw ValidationError("--serve expects host:port, got '\(serve)'") }
        guard speed > 0, speed.isFinite else { throw ValidationError("--speed must be more than 0") }
        guard (1...65536).contains(window) else { throw ValidationError("--window must be 1 to 65536") }
        guard connectTimeout > 0, verdictTimeout > 0 else { throw ValidationError("timeouts must be more than 0") }
    }

    func run() async throws {
        let store = try StoreAccess.openReadOnly(self.store.dataDir)
        defer { store.close() }
        let pool = ValidatorPool()
        let replayer = Replayer(store: store, pool: pool)
        var options = Replayer.Options(topic: topic)
        _ = try store.requireTopic(topic)
        if let from { options.from = try from.firstOffset(in: store, topic: topic) }
        if let to {
            guard let last = try to.lastOffset(in: store, topic: topic) else {
                throw ValidationError("--to \(to) is before the first record of '\(topic)'")
            }
            options.to = last
        }
        options.timing = timing
        options.speed = speed
        options.window = window
        options.verdictTimeout = .milliseconds(Int64(verdictTimeout * 1000))
        let range = try replayer.range(options)

        let (host, port) = serve.flatMap(AgentConfig.splitHostPort) ?? ("127.0.0.1", 0)
        let endpoint = ValidationEndpoint(pool: pool, host: host, port: port)
        let serving = Task { try await endpoint.serve() }
        defer { serving.cancel() }
        let bound = try await endpoint.port()
        let address = "\(host):\(bound)"
        var process: Process?
        if let validatorCommand {
            process = try startValidator(validatorCommand, address: address)
        } else {
            note("replay: serving ValidationRouter on \(address); waiting for a validator")
        }
        defer {
            // The shell and what it started: SIGTERM to the shell alone would leave the validator.
            if let process, process.isRunning { ProcessTree.terminate(process.processIdentifier) }
        }
        try await waitForValidator(pool, process)
        note("replay: feeding offsets \(range.lowerBound)...\(range.upperBound) of '\(topic)' (\(timing.rawValue)\(timing == .original ? ", speed \(speed)" : ""))")

        let printer = ProgressPrinter()
        let result = try await replayer.run(options) { done, total in printer.report(done, total) }
        await endpoint.stop()
        if json { print(ReplayOutput.json(result)) } else { print(ReplayOutput.text(result, maxDifferences: maxDifferences), terminator: "") }
        if let stopped = result.stoppedAt {
            note("replay stopped at offset \(stopped): \(result.stopReason ?? "no verdict"); resume with --from \(stopped)")
            throw ExitCode(3)
        }
    }

    private func startValidator(_ command: String, address: String) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", command.replacingOccurrences(of: "{addr}", with: address)]
        var env = ProcessInfo.processInfo.environment
        env["P2PMQ_GRPC"] = address
        p.environment = env
        if let validatorLog {
            guard FileManager.default.createFile(atPath: validatorLog, contents: nil), let handle = FileHandle(forWritingAtPath: validatorLog) else {
                throw ValidationError("cannot write --validator-log \(validatorLog)")
            }
            p.standardOutput = handle
            p.standardError = handle
        } else {
            p.standardOutput = FileHandle.nullDevice
        }
        do { try p.run() } catch { throw ValidationError("cannot start the validator command: \(error.localizedDescription)") }
        return p
    }

    private func waitForValidator(_ pool: ValidatorPool, _ process: Process?) async throws {
        let deadline = Date().addingTimeInterval(connectTimeout)
        while await pool.count == 0 {
            if let process, !process.isRunning {
                throw ValidationError("the validator command exited (status \(process.terminationStatus)) before connecting")
            }
            guard Date() < deadline else { throw ValidationError("no validator connected within \(connectTimeout) s") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}

/// Replay progress on stderr, at most once a second, for replays that take a while.
private final class ProgressPrinter: Sendable {
    private let last = NIOLockedValueBox(Date())
    private let start = Date()

    func report(_ done: Int, _ total: Int) {
        let now = Date()
        let due = last.withLockedValue { last -> Bool in
            guard now.timeIntervalSince(last) >= 1 else { return false }
            last = now
            return true
        }
        guard due, done < total else { return }
        let rate = Double(done) / max(now.timeIntervalSince(start), 1e-9)
        note("replay: \(done)/\(total) records (\(done * 100 / max(total, 1))%), \(Int(rate))/s")
    }
}
