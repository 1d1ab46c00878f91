import Foundation
import Store
import TestSupport
import XCTest

/// `p2pmq replay` against a recorded log, with the Python gRPC client (grpcio) as the validator:
/// a different implementation, connected over the same ValidationRouter protocol as to an agent.
final class ReplayCommandTests: XCTestCase {
    nonisolated(unsafe) static var dir: TemporaryDirectory!
    static let count = 300
    /// Offsets whose data starts with "bad": what a validator rejecting that prefix changes.
    static let badOffsets = Set((0..<count).filter { $0 % 7 == 3 }.map(UInt64.init))

    static var python: String { (ProcessInfo.processInfo.environment["P2PMQ_INTEROP_DIR"] ?? "/tmp/p2pmq-interop") + "/grpc/bin/python" }
    static var client: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../clients/python/p2pmq_client.py").standardized.path
    }

    override class func setUp() {
        dir = TemporaryDirectory("cli-replay")
        var options = StoreOptions()
        options.durability = .sync
        let store = try! ReportStore.open(dataDir: dir.sub("data"), options: options)
        // Recorded 25 ms apart, all accepted by the validator of the day.
        var factory = RecordFactory(topic: "t")
        let items = (0..<count).map { i -> AppendItem in
            var r = factory.make(seq: UInt64(i), data: Array("\(badOffsets.contains(UInt64(i)) ? "bad" : "ok")-\(i)".utf8))
            r.receivedAt = 1_780_000_000_000_000_000 + UInt64(i) * 25_000_000
            return AppendItem(record: r, reportDigest: r.data)
        }
        _ = try! store.appendAndWait(items)
        store.close()
    }

    override class func tearDown() { dir.remove() }

    override func setUp() async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.python) else {
            if ReferencePeer.required { XCTFail("the grpcio venv is not set up (scripts/test.sh makes it)") }
            throw XCTSkip("the grpcio venv is not set up (scripts/test.sh makes it)")
        }
    }

    func validator(_ args: String) -> String { "\(Self.python) \(Self.client) validate \(args)" }

    func replay(_ args: [String], status: Int32 = 0) throws -> [String: Any] {
        let r = try Executable.run(["replay", "--data-dir", Self.dir.sub("data"), "--topic", "t", "--json"] + args)
        XCTAssertEqual(r.status, status, r.stderr)
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stdout + r.stderr)
    }

    func testSameLogAndValidatorGiveTheSameDigestAndAChangedRuleShowsExactlyTheAffectedOffsets() throws {
        let first = try replay(["--validator-cmd", validator("--reject-prefix zzz")])
        let second = try replay(["--validator-cmd", validator("--reject-prefix zzz")])
        XCTAssertEqual(first["replayed"] as? Int, Self.count)
        XCTAssertEqual((first["differences"] as? [Any])?.count, 0)
        XCTAssertEqual(first["digest"] as? String, second["digest"] as? String)
        XCTAssertEqual((first["digest"] as? String)?.count, 64)

        let changed = try replay(["--validator-cmd", validator("--reject-prefix bad")])
        let differences = try XCTUnwrap(changed["differences"] as? [[String: Any]])
        XCTAssertEqual(Set(differences.compactMap { ($0["offset"] as? Int).map(UInt64.init) }), Self.badOffsets)
        XCTAssertTrue(differences.allSatisfy { $0["recorded"] as? String == "ACCEPT" && $0["now"] as? String == "REJECT" && $0["reason"] as? String == "rejected_by_prefix" })
        XCTAssertEqual((changed["counts"] as? [String: Int])?["REJECT"], Self.badOffsets.count)
        XCTAssertNotEqual(changed["digest"] as? String, first["digest"] as? String)

        // The table form names the same offsets.
        let text = try Executable.run(["replay", "--data-dir", Self.dir.sub("data"), "--topic", "t", "--to", "10", "--validator-cmd", validator("--reject-prefix bad")])
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("differences:        2"), text.stdout)
        XCTAssertTrue(text.stdout.contains("REJECT") && text.stdout.contains("rejected_by_prefix"), text.stdout)
    }

    func testOriginalTimingKeepsTheRecordedGaps() throws {
        let result = try replay(["--from", "0", "--to", "60", "--timing", "original", "--validator-cmd", validator("")])
        let timing = try XCTUnwrap(result["timing"] as? [String: Double])
        print("original timing over 60 gaps of 25 ms: \(timing)")
        XCTAssertEqual(timing["gaps"], 60)
        XCTAssertLessThan(try XCTUnwrap(timing["gap_error_mean"]), 0.10)
        XCTAssertEqual(try XCTUnwrap(timing["replayed_span_s"]), 1.5, accuracy: 0.15)
        // --speed 5 plays the same stretch five times faster.
        let fast = try replay(["--from", "0", "--to", "60", "--timing", "original", "--speed", "5", "--validator-cmd", validator("")])
        let fastTiming = try XCTUnwrap(fast["timing"] as? [String: Double])
        XCTAssertEqual(try XCTUnwrap(fastTiming["replayed_span_s"]), 0.3, accuracy: 0.06)
        XCTAssertEqual(fast["digest"] as? String, result["digest"] as? String, "timing does not change the digest")
    }

    func testValidatorCrashReportsWhereItStoppedAndTheReplayResumesFromThere() throws {
        // The validator answers 100 messages, then goes away.
        let stopped = try replay(["--validator-cmd", validator("--count 100")], status: 3)
        XCTAssertEqual(stopped["replayed"] as? Int, 100)
        XCTAssertEqual(stopped["stopped_at"] as? Int, 100)
        XCTAssertTrue((stopped["stop_reason"] as? String)?.contains("disconnected") ?? false, "\(stopped)")
        let resumed = try replay(["--from", "100", "--validator-cmd", validator("")])
        XCTAssertEqual(resumed["from"] as? Int, 100)
        XCTAssertEqual(resumed["replayed"] as? Int, Self.count - 100)
        XCTAssertNil(resumed["stopped_at"])
    }

    func testFromAndToTakeTimesAndDONSeqs() throws {
        let byTime = try replay(["--from", RFC3339.format(1_780_000_000_000_000_000 + 10 * 25_000_000), "--to", "19", "--validator-cmd", validator("")])
        XCTAssertEqual(byTime["from"] as? Int, 10)
        XCTAssertEqual(byTime["replayed"] as? Int, 10)
        let bySeq = try replay(["--from", "don-a:250", "--validator-cmd", validator("")])
        XCTAssertEqual(bySeq["from"] as? Int, 250)
        XCTAssertEqual(bySeq["replayed"] as? Int, 50)
    }

    func testBadInputsGetClearErrors() throws {
        func fails(_ args: [String], _ message: String) throws {
            let r = try Executable.run(["replay", "--data-dir", Self.dir.sub("data")] + args)
            XCTAssertNotEqual(r.status, 0)
            XCTAssertTrue(r.stderr.contains(message), "\(args): \(r.stderr)")
        }
        try fails(["--topic", "nope", "--validator-cmd", "true"], "unknown topic 'nope'")
        try fails(["--topic", "t", "--from", "300", "--validator-cmd", "true"], "start offset 300 is beyond the end of 't' (last offset 299)")
        try fails(["--topic", "t", "--from", "20", "--to", "10", "--validator-cmd", "true"], "the range is empty")
        try fails(["--topic", "t", "--from", "don-a:9999", "--validator-cmd", "true"], "DON don-a has no report with seq 9999")
        try fails(["--topic", "t"], "give exactly one of --serve ADDR and --validator-cmd CMD")
        try fails(["--topic", "t", "--from", "yesterday", "--validator-cmd", "true"], "--from")
        try fails(["--topic", "t", "--validator-cmd", "exit 4"], "the validator command exited (status 4) before connecting")
        try fails(["--topic", "t", "--serve", "nowhere", "--validator-cmd", "true"], "give exactly one of")
    }

    func testServeModeLetsAnUnchangedValidatorConnect() throws {
        let port = try freePort()
        let replay = Process()
        replay.executableURL = URL(fileURLWithPath: Executable.path())
        replay.arguments = ["replay", "--data-dir", Self.dir.sub("data"), "--topic", "t", "--serve", "127.0.0.1:\(port)", "--json", "--connect-timeout", "20"]
        let out = Pipe()
        replay.standardOutput = out
        replay.standardError = FileHandle.nullDevice
        try replay.run()
        let validator = Process()
        validator.executableURL = URL(fileURLWithPath: Self.python)
        validator.arguments = [Self.client, "--grpc", "127.0.0.1:\(port)", "validate", "--reject-prefix", "bad"]
        validator.standardOutput = FileHandle.nullDevice
        validator.standardError = FileHandle.nullDevice
        try validator.run()
        defer { if validator.isRunning { validator.terminate() } }
        let collected = DataCollector(out.fileHandleForReading)
        let deadline = Date().addingTimeInterval(60)
        while replay.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if replay.isRunning { replay.terminate() }
        replay.waitUntilExit()
        XCTAssertEqual(replay.terminationStatus, 0)
        let result = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(collected.text().utf8)) as? [String: Any])
        XCTAssertEqual(result["replayed"] as? Int, Self.count)
        XCTAssertEqual((result["differences"] as? [Any])?.count, Self.badOffsets.count)
    }

    private func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}
