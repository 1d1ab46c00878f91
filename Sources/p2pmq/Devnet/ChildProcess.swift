import Foundation

/// A process the devnet started: stdout and stderr go to files in its node folder, so an operator
/// can read them after the run. An agent's readiness is its `{"event":"ready",...}` line.
final class ChildProcess: @unchecked Sendable {
    // @unchecked: `process` is set up in init and only queried afterwards (Process is thread-safe
    // for isRunning/terminate/waitUntilExit).
    let name: String
    let process = Process()
    let stdoutPath: String

    init(name: String, executable: String, arguments: [String], stdout: String, stderr: String) throws {
        self.name = name
        stdoutPath = stdout
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let fm = FileManager.default
        for path in [stdout, stderr] { fm.createFile(atPath: path, contents: nil) }
        guard let out = FileHandle(forWritingAtPath: stdout), let err = FileHandle(forWritingAtPath: stderr) else {
            throw DevnetError("cannot open \(stdout) or \(stderr) for \(name)")
        }
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { throw DevnetError("cannot start \(name): \(error.localizedDescription)") }
    }

    /// The agent's ready line (parsed), waiting up to `timeout`; fails early if the process exits.
    func readyLine(timeout: Duration = .seconds(60)) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let text = try? String(contentsOfFile: stdoutPath, encoding: .utf8) {
                for line in text.split(separator: "\n") {
                    if let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], obj["event"] as? String == "ready" {
                        return obj
                    }
                }
            }
            guard process.isRunning else { throw DevnetError("\(name) exited (status \(process.terminationStatus)) before it was ready; see its log") }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw DevnetError("\(name) was not ready within \(timeout)")
    }

    /// Seconds of CPU (user + system) the process used so far, from /proc; nil once it is gone.
    var cpuSeconds: Double? {
        guard let text = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // After the command name: state is field 3; utime and stime are fields 14 and 15.
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        return (user + system) / ticks
    }

    /// The most resident memory the process had (VmHWM), in KiB; nil once it is gone.
    var peakRSSKiB: Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
        }
        return nil
    }

    /// SIGKILL at once (a crash, for churn), and wait for the process to be gone.
    func crash() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM, then SIGKILL after `grace`.
    func stop(grace: Duration = .seconds(10)) async {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = ContinuousClock.now + grace
        while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

struct DevnetError: Error, CustomStringConvertible {
    let description: String
    init(_ text: String) { description = text }
}
