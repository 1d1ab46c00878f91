import ArgumentParser
import Foundation
import Logging

/// The Go p2pmq binary's flags and environment variables, which `p2pmq agent` also takes with
/// their meaning (a Go operator's unit files and container specs keep working):
/// `--grpc-port`/`GRPC_PORT`, `--loglevel`/`P2PMQ_LOGLEVEL`, `--libp2p-loglevel`/`LIBP2P_LOGLEVEL`
/// (`--config`/`P2PMQ_CONFIG` is the agent's own). A flag beats its variable.
struct GoAgentFlags: ParsableArguments {
    @Option(name: .customLong("grpc-port"), help: ArgumentHelp(
        "Serve gRPC on 127.0.0.1:PORT (env GRPC_PORT), as the Go agent's flag; --grpc HOST:PORT wins over it.",
        discussion: "The Go agent listens on every interface; this stays on loopback unless --grpc says otherwise."))
    var grpcPort: Int?

    @Option(name: .customLong("loglevel"), help: "The Go agent's log level for the agent's own logs: debug, info, warn, error, dpanic, panic, fatal (env P2PMQ_LOGLEVEL; beats --log-level).")
    var logLevel: String?

    @Option(name: .customLong("libp2p-loglevel"), help: "Log level of the libp2p layers (host, gossipsub), as the Go agent's (env LIBP2P_LOGLEVEL; default: the agent's).")
    var libp2pLogLevel: String?

    var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// The gRPC port from the flag or GRPC_PORT, checked.
    func resolvedGRPCPort() throws -> Int? {
        if let grpcPort {
            guard (0...65535).contains(grpcPort) else { throw ValidationError("--grpc-port \(grpcPort): not a port (0...65535)") }
            return grpcPort
        }
        guard let text = environment["GRPC_PORT"], !text.isEmpty else { return nil }
        guard let port = Int(text), (0...65535).contains(port) else { throw ValidationError("GRPC_PORT=\(text): not a port (0...65535)") }
        return port
    }

    func agentLevel() throws -> Logger.Level? { try Self.level(logLevel, env: "P2PMQ_LOGLEVEL", flag: "--loglevel") }

    func libp2pLevel() throws -> Logger.Level? { try Self.level(libp2pLogLevel, env: "LIBP2P_LOGLEVEL", flag: "--libp2p-loglevel") }

    private static func level(_ flag: String?, env: String, flag name: String) throws -> Logger.Level? {
        let (text, source) = flag.map { ($0, name) } ?? (ProcessInfo.processInfo.environment[env].map { ($0, env) } ?? ("", ""))
        guard !text.isEmpty else { return nil }
        guard let level = goLevel(text) else {
            throw ValidationError("\(source) \(text): not a log level (debug, info, warn, error, dpanic, panic, fatal; or trace, notice, critical)")
        }
        return level
    }

    /// Go's zap level names onto swift-log's (dpanic, panic and fatal are all critical), plus
    /// swift-log's own names.
    static func goLevel(_ text: String) -> Logger.Level? {
        switch text.lowercased() {
        case "debug": .debug
        case "info": .info
        case "warn", "warning": .warning
        case "error": .error
        case "dpanic", "panic", "fatal", "critical": .critical
        case "trace": .trace
        case "notice": .notice
        default: nil
        }
    }
}

/// `pmq`: the Go p2pmq binary's name and command line. A `pmq` link to the p2pmq executable
/// (scripts/install-pmq.sh makes one) runs `p2pmq agent` with the Go binary's flags, single-dash
/// forms included, and its default config path.
enum PmqCommandLine {
    /// The Go binary's default `--config`.
    static let defaultConfig = "/p2pmq/p2pmq.json"

    static func invoked(as argv0: String?) -> Bool {
        guard let argv0 else { return false }
        return URL(fileURLWithPath: argv0).lastPathComponent == "pmq"
    }

    /// The `p2pmq` arguments for a `pmq` command line.
    static func translate(_ arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        // urfave/cli (as Go's flag package) takes -flag and --flag alike.
        var out = arguments.map { arg -> String in
            arg.hasPrefix("-") && !arg.hasPrefix("--") && arg.count > 2 ? "-" + arg : arg
        }
        if out.first == "help" { out[0] = "--help" }
        let hasConfig = out.contains { $0 == "--config" || $0.hasPrefix("--config=") } || !(environment["P2PMQ_CONFIG"] ?? "").isEmpty
        if !hasConfig, !out.contains(where: { $0 == "--help" || $0 == "-h" }) { out += ["--config", defaultConfig] }
        return ["agent"] + out
    }
}
