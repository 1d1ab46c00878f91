import ArgumentParser
import Logging

/// `--log-level` for commands that run a host; logs go to standard error.
struct LogOptions: ParsableArguments {
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var level: Logger.Level = .warning

    func logger(_ label: String) -> Logger { Self.logger(label, level: level) }

    /// A logger to standard error at `level`.
    static func logger(_ label: String, level: Logger.Level) -> Logger {
        var logger = Logger(label: label) { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = level
        return logger
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
