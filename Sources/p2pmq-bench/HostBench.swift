import ArgumentParser
import Foundation
import Host
import Logging
import Wire

/// Ping round trips and single-stream yamux throughput between two Swift hosts on 127.0.0.1, and
/// the same between two go-libp2p hosts (bench/go_host_baseline.py, libp2p-go wheel) in the same run.
struct HostBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "host",
        abstract: "Ping RTT and stream throughput, Swift<->Swift vs go-libp2p<->go-libp2p.")

    @Option(help: "Round trips to time.") var pings = 1000
    @Option(help: "MiB to send through one stream in 64 KiB writes.") var mib = 256
    @Option(name: .customLong("go-python"), help: "Python of the libp2p-go venv (../shared/interop/setup.sh).")
    var goPython = "/tmp/p2pmq-interop/go/bin/python"

    static let sink = "/p2pmq/bench/sink/1"

    func run() async throws {
        print("host benchmark: \(pings) round trips of 32 bytes, \(mib) MiB in 64 KiB writes, 127.0.0.1, Noise + yamux")
        #if DEBUG
        print("DEBUG BUILD: the Swift figures are not representative; use `swift run -c release p2pmq-bench host`")
        #endif
        let swift = try await swiftPair()
        let go = goPair()
        print("")
        print("pair                      RTT p50     RTT p99     throughput")
        print(String(format: "swift <-> swift           %.3f ms    %.3f ms    %.0f MiB/s", swift.p50, swift.p99, swift.mibs))
        if let go {
            print(String(format: "go <-> go (wheel)         %.3f ms    %.3f ms    %.0f MiB/s", go.p50, go.p99, go.mibs))
            print(String(format: "(go RTTs include two calls from Python into Go per round trip, %.0f us each)", go.callMicros))
        } else {
            print("go <-> go: not measured (no libp2p-go venv at \(goPython); run ../shared/interop/setup.sh /tmp/p2pmq-interop)")
        }
    }

    private func swiftPair() async throws -> (p50: Double, p99: Double, mibs: Double) {
        var logger = Logger(label: "p2pmq.bench") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .warning
        let server = P2PHost(config: HostConfig(identity: PrivateKey.generate()), logger: logger)
        let client = P2PHost(config: HostConfig(identity: PrivateKey.generate()), logger: logger)
        server.registry.set(Self.sink) { stream in
            var total = 0
            while let chunk = try? await stream.read() { total += chunk.count }
            try? await stream.write([UInt8(truncatingIfNeeded: total)])
            await stream.close()
        }
        let addr = try await server.listen(try Multiaddr("/ip4/127.0.0.1/tcp/0")).appending(.p2p(server.peerID))
        let connection = try await client.dial(addr)
        let rtts = try await Ping.run(on: connection, count: pings).map { $0 * 1000 }
        let stream = try await connection.openStream([Self.sink])
        let chunk = [UInt8](repeating: 0xAB, count: 64 * 1024)
        let start = monotonicSeconds()
        for _ in 0..<(mib * 16) { try await stream.write(chunk) }
        await stream.close()
        _ = try await stream.read(exactly: 1)
        let seconds = monotonicSeconds() - start
        await client.close()
        await server.close()
        return (percentile(rtts, 50), percentile(rtts, 99), Double(mib) / seconds)
    }

    private func goPair() -> (p50: Double, p99: Double, mibs: Double, callMicros: Double)? {
        guard FileManager.default.isExecutableFile(atPath: goPython) else { return nil }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("bench/go_host_baseline.py").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: goPython)
        process.arguments = [script, "--pings", "\(pings)", "--mib", "\(mib)"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last,
              let json = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let p50 = json["rtt_p50_ms"] as? Double, let p99 = json["rtt_p99_ms"] as? Double,
              let mibs = json["throughput_mib_s"] as? Double
        else {
            note("go baseline failed (exit \(process.terminationStatus))")
            return nil
        }
        return (p50, p99, mibs, json["driver_call_us"] as? Double ?? 0)
    }
}
