import ArgumentParser
import Foundation
import Store

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write records of the log as JSON lines (the format `p2pmq import` reads).",
        discussion: "Records come in offset order, one topic after the other (topics by name).")

    @OptionGroup var store: DataDirOptions

    @Option(help: "Only this topic (default: every topic).")
    var topic: String?

    @Option(name: .customLong("from-offset"), help: "Start at this offset.")
    var fromOffset: UInt64 = 0

    @Option(help: "Write to this file instead of standard output.")
    var out: String?

    func run() throws {
        let store = try StoreAccess.openReadOnly(self.store.dataDir)
        defer { store.close() }
        let topics = try topic.map { [$0] } ?? store.topics().map(\.name).sorted()
        let sink = try OutputSink(path: out)
        var count = 0
        for name in topics {
            try store.scan(topic: name, from: fromOffset) { record in
                sink.write(RecordJSON.encode(record) + "\n")
                count += 1
                return true
            }
        }
        sink.close()
        if out != nil { note("exported \(count) records to \(out!)") }
    }
}

/// Standard output or a file, written through a buffer (exports can be millions of lines).
final class OutputSink {
    private let handle: FileHandle
    private var buffer = Data()
    private let ownsHandle: Bool

    init(path: String?) throws {
        if let path {
            guard FileManager.default.createFile(atPath: path, contents: nil), let h = FileHandle(forWritingAtPath: path) else {
                throw ValidationError("cannot write \(path)")
            }
            handle = h
            ownsHandle = true
        } else {
            handle = FileHandle.standardOutput
            ownsHandle = false
        }
    }

    func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 20 { drain() }
    }

    func close() {
        drain()
        if ownsHandle { try? handle.close() }
    }

    private func drain() {
        handle.write(buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}
