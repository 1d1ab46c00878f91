import Foundation

/// Runs the built `p2pmq` binary (or another product of this package) as a real child process.
public enum Executable {
    /// The folder holding the products of the current build (the test bundle sits there too).
    public static var productsDirectory: URL {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = bundle.deletingLastPathComponent()
        // Linux runs `<dir>/p2pmqPackageTests.xctest`; step up out of any bundle folder.
        while dir.pathExtension == "xctest" || dir.lastPathComponent == "Contents" || dir.lastPathComponent == "MacOS" {
            dir = dir.deletingLastPathComponent()
        }
        return dir
    }

    public static func path(_ product: String = "p2pmq") -> String {
        productsDirectory.appendingPathComponent(product).path
    }

    public struct Result: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
    }

    /// Runs to completion (killed after `timeout` seconds) with optional standard input.
    @discardableResult
    public static func run(
        _ arguments: [String], product: String = "p2pmq", stdin: String? = nil, cwd: String? = nil, timeout: TimeInterval = 120
    ) throws -> Result {
        try run(program: path(product), arguments, stdin: stdin, cwd: cwd, timeout: timeout)
    }

    /// Any program (a reference implementation's interpreter, a build script, a client of ours in
    /// another language) run to completion the same way.
    @discardableResult
    public static func run(
        program: String, _ arguments: [String], stdin: String? = nil, cwd: String? = nil, timeout: TimeInterval = 120
    ) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        if let cwd { process.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        // Drain both pipes while the child runs so a large output cannot block it.
        let outData = DataCollector(out.fileHandleForReading)
        let errData = DataCollector(err.fileHandleForReading)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() > deadline {
                process.terminate()
                break
            }
            Thread.sleep(forTimeInterval: 0.01)
        }
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: outData.text(), stderr: errData.text())
    }
}

/// Reads a pipe to its end on a background thread.
public final class DataCollector: @unchecked Sendable {
    // @unchecked: `data` is written by the reader thread and read only after `done` signals.
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    public init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
    }

    public func text() -> String {
        done.wait()
        return String(decoding: data, as: UTF8.self)
    }
}
