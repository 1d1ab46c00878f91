@testable import Agent
import AgentAPI
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import TestSupport
import XCTest

/// `p2pmq validator` picks its stream: `Batch.Validate` where the agent serves it (ours), the Go
/// API's `ValidationRouter.Handle` where it does not (a Go p2pmq agent's gRPC server has only
/// the Go services; here a server with only that one).
final class ReferenceValidatorStreamTests: XCTestCase {
    func testFallsBackToTheGoStreamWhereThereIsNoBatchService() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let initDON = try Executable.run(["don", "init", "--id", "don-a", "--nodes", "4", "--out", dir.sub("don")])
        XCTAssertEqual(initDON.status, 0, initDON.stderr)
        let pool = ValidatorPool()
        let server = GRPCServer(transport: .http2NIOPosix(address: .ipv4(host: "127.0.0.1", port: 0), transportSecurity: .plaintext),
                                services: [ValidationRouterService(pool: pool)])
        let serving = Task { try await server.serve() }
        defer { serving.cancel() }
        let port = try await server.boundPort()

        let process = Process()
        process.executableURL = URL(fileURLWithPath: Executable.path())
        process.arguments = ["validator", "--agent", "127.0.0.1:\(port)", "--dons", dir.sub("don/don.json")]
        FileManager.default.createFile(atPath: dir.sub("validator.log"), contents: nil)
        process.standardError = FileHandle(forWritingAtPath: dir.sub("validator.log"))
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer { process.terminate(); process.waitUntilExit() }

        let connected = await holds(within: 20) { await pool.count == 1 }
        XCTAssertTrue(connected, (try? String(contentsOfFile: dir.sub("validator.log"), encoding: .utf8)) ?? "")
        // Not a report: the reference validator rejects it, over the Go stream.
        let answer = await pool.validate(.with { $0.messageID = "m1"; $0.topic = "don-a/prices"; $0.data = Data("not a report".utf8) })
        guard case .reject(let reason)? = answer?.verdict else { return XCTFail("expected REJECT, got \(String(describing: answer))") }
        XCTAssertTrue(reason.hasPrefix("malformed"), reason)
        let log = try String(contentsOfFile: dir.sub("validator.log"), encoding: .utf8)
        XCTAssertTrue(log.contains("serves no Batch.Validate"), log)
        XCTAssertTrue(log.contains("ValidationRouter.Handle"), log)
    }
}
