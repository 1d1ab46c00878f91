import Agent
import AgentAPI
import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import Core
import Gossip
import Wire

/// Two agents over TCP on 127.0.0.1, each with a validator connected over gRPC: messages
/// published through A's gRPC API are validated and persisted at B and reach a listener on B's
/// gRPC API. Baselines in the same run: the same two agents with validation and persistence
/// turned off (bare gossip through the same gRPC edges), and NATS JetStream's async publish with
/// an ack per message (bench/jetstream/baseline.sh).
struct AgentBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "End-to-end publish -> validate -> persist -> deliver, against bare gossip and JetStream async publish.",
        discussion: """
            --api stream (default) publishes on Batch.Publish and validates on Batch.Validate (the \
            high-rate streams); --api unary uses the Go API (unary Publish, ValidationRouter.Handle). \
            The last line is one JSON object: {"e2e_per_s", "jetstream_async_per_s", "ratio", ...}.
            """)

    @Option(help: "Messages per run.") var messages = 5000
    @Option(help: "Bytes per message.") var size = 256
    @Option(help: "Publishes in flight at once.") var window = 64
    @Option(help: "Runs of each mode (the median is shown).") var runs = 1
    @Option(help: "stream: Batch.Publish and Batch.Validate; unary: the Go API's Publish and ValidationRouter.Handle.") var api = "stream"
    @Option(help: "The JetStream baseline script.") var jetstreamScript = "bench/jetstream/baseline.sh"
    @Flag(help: "Only the last line (JSON) on standard output.") var json = false

    func validate() throws {
        guard ["stream", "unary"].contains(api) else { throw ValidationError("--api is stream or unary") }
    }

    struct Figures { var rate: Double; var p50: Double; var p99: Double; var delivered: Int }

    func run() async throws {
        #if DEBUG
        note("warning: a debug build; build with -c release for figures that mean anything")
        #endif
        var full: [Figures] = [], bare: [Figures] = [], jetstream: [Double] = []
        var jetstreamProblem: String?
        for run in 0..<runs {
            note("run \(run + 1)/\(runs): full pipeline")
            full.append(try await measure(pipeline: true))
            note("run \(run + 1)/\(runs): bare gossip")
            bare.append(try await measure(pipeline: false))
            if jetstreamProblem == nil {
                switch JetStreamBaseline.run(script: jetstreamScript, mode: "publish", messages: messages, size: size) {
                case .success(let object): jetstream.append(object["jetstream_async_per_s"] as? Double ?? .nan)
                case .failure(let why):
                    jetstreamProblem = why.description
                    note("JetStream baseline unavailable: \(why)")
                }
            }
        }
        func median(_ f: [Figures]) -> Figures { f.sorted { $0.rate < $1.rate }[f.count / 2] }
        let (f, b) = (median(full), median(bare))
        let js = jetstream.isEmpty ? nil : percentile(jetstream, 50)
        if !json {
            print("agent benchmark: \(messages) messages of \(size) B, A publishes over gRPC (\(api)), B's listener receives; window \(window)")
            print("mode                           rate      p50 ms    p99 ms   delivered")
            for (name, x) in [("validate+persist (validators)", f), ("bare gossip (baseline)", b)] {
                print(name.padding(toLength: 29, withPad: " ", startingAt: 0),
                      String(format: "%9.0f/s %9.2f %9.2f %8d", x.rate, x.p50, x.p99, x.delivered))
            }
            print(String(format: "full pipeline at %.0f%% of the bare rate (goal: at least 70%%)", f.rate / b.rate * 100))
            if let js {
                print(String(format: "JetStream async publish, ack each: %.0f/s; ours end to end %.2fx of it (goal: at least 0.25x)", js, f.rate / js))
            } else {
                print("JetStream: not measured (\(jetstreamProblem ?? "unknown"))")
            }
        }
        var out: [String: Any] = ["messages": messages, "size": size, "window": window, "api": api, "runs": full.count,
                                  "e2e_per_s": f.rate, "e2e_runs": full.map(\.rate), "p50_ms": f.p50, "p99_ms": f.p99,
                                  "delivered": f.delivered, "bare_per_s": b.rate]
        if let js {
            out["jetstream_async_per_s"] = js
            out["jetstream_runs"] = jetstream
            out["ratio"] = f.rate / js
        } else {
            out["jetstream_async_per_s"] = NSNull()
            out["jetstream_unavailable"] = jetstreamProblem ?? "unknown"
        }
        print(String(decoding: try JSONSerialization.data(withJSONObject: out, options: [.sortedKeys]), as: UTF8.self))
    }

    func measure(pipeline: Bool) async throws -> Figures {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("p2pmq-agent-bench-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        func node(_ name: String) throws -> AgentNode {
            var c = AgentConfig()
            c.dataDir = root + "/" + name
            c.listenAddrs = [try Multiaddr("/ip4/127.0.0.1/tcp/0")]
            c.topics = [AgentConfig.TopicConfig(name: "bench")]
            c.persistVerdicts = pipeline
            c.msgRouterQueueSize = max(1024, messages)
            c.whenNoValidator = pipeline ? .ignore : .accept
            var logger = Logger(label: "p2pmq.bench")
            logger.logLevel = .error
            return try AgentNode(config: c, identity: PrivateKey.generate(), logger: logger)
        }
        let a = try node("a"), b = try node("b")
        let addrA = try await a.start()
        _ = try await b.start()
        _ = try await b.host.dial(addrA[0])
        let servers = [AgentServer(node: a, host: "127.0.0.1", port: 0), AgentServer(node: b, host: "127.0.0.1", port: 0)]
        let serving = servers.map { s in Task { try await s.serve() } }
        var ports: [Int] = []
        for s in servers { ports.append(try await s.port()) }
        defer { serving.forEach { $0.cancel() } }
        try await Task.sleep(for: .milliseconds(1500))  // meshes form

        let count = messages, size = self.size, window = self.window, streams = api == "stream"
        let result = try await withGRPCClient(transport: .http2NIOPosix(target: .ipv4(host: "127.0.0.1", port: ports[1]), transportSecurity: .plaintext)) { clientB in
            try await withGRPCClient(transport: .http2NIOPosix(target: .ipv4(host: "127.0.0.1", port: ports[0]), transportSecurity: .plaintext)) { clientA in
                try await withThrowingTaskGroup(of: Void.self, returning: Figures.self) { group in
                    if pipeline {
                        for client in [clientA, clientB] {
                            if streams {
                                group.addTask { try await AcceptAllValidator.acceptEverything(Proto_Batch.Client(wrapping: client)) }
                            } else {
                                group.addTask { try await AcceptAllValidator.acceptEverything(Proto_ValidationRouter.Client(wrapping: client)) }
                            }
                        }
                    }
                    let listener = Task { () -> (latencies: [Double], last: Double) in
                        try await Proto_MsgRouter.Client(wrapping: clientB).listen(.with { $0.topics = ["bench"] }) { response in
                            var latencies: [Double] = []
                            latencies.reserveCapacity(count)
                            var last = 0.0
                            for try await m in response.messages where m.data.count >= 8 {
                                let sent = m.data.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                                last = monotonicSeconds()
                                latencies.append(Double(WallClock.nanoseconds() &- sent) / 1e6)
                                if latencies.count == count { break }
                            }
                            return (latencies, last)
                        }
                    }
                    try await Task.sleep(for: .milliseconds(300))
                    let control = Proto_ControlService.Client(wrapping: clientA)
                    let start = monotonicSeconds()
                    @Sendable func message(_ i: Int) -> Proto_PublishRequest {
                        var data = withUnsafeBytes(of: WallClock.nanoseconds().bigEndian, Array.init)
                        data += withUnsafeBytes(of: UInt64(i).bigEndian, Array.init)
                        data += [UInt8](repeating: 0, count: max(0, size - 16))
                        return .with { $0.topic = "bench"; $0.data = Data(data) }
                    }
                    if streams {
                        // One Batch.Publish stream; the server keeps its own window in flight.
                        let failed = try await Proto_Batch.Client(wrapping: clientA).publish { writer in
                            for i in 0..<count { try await writer.write(message(i)) }
                        } onResponse: { response in
                            var failed = 0
                            for try await r in response.messages where !r.error.isEmpty { failed += 1 }
                            return failed
                        }
                        if failed > 0 { note("\(failed) publishes failed") }
                    } else {
                        try await withThrowingTaskGroup(of: Void.self) { publishers in
                            for i in 0..<count {
                                if i >= window { try await publishers.next() }
                                publishers.addTask { _ = try await control.publish(message(i)) }
                            }
                            try await publishers.waitForAll()
                        }
                    }
                    // Wait for the listener (at most 30 s after the last publish).
                    let watchdog = Task {
                        try await Task.sleep(for: .seconds(30))
                        listener.cancel()
                    }
                    let heard: (latencies: [Double], last: Double) = (try? await listener.value) ?? ([], monotonicSeconds())
                    watchdog.cancel()
                    group.cancelAll()
                    let seconds = max(heard.last - start, 1e-9)
                    return Figures(rate: Double(heard.latencies.count) / seconds, p50: percentile(heard.latencies, 50),
                                   p99: percentile(heard.latencies, 99), delivered: heard.latencies.count)
                }
            }
        }
        for s in servers { await s.stop() }
        await a.stop()
        await b.stop()
        return result
    }
}
