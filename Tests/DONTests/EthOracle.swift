import Foundation
import TestSupport
import XCTest

/// The Python oracles in python/ (eth-keys, eth-abi, eth-hash from PyPI, in the venv
/// scripts/test.sh makes): one command, one JSON object back. Missing venv: skipped locally,
/// a failure where reference peers are required (CI).
enum EthOracle {
    static var python: String { (ProcessInfo.processInfo.environment["P2PMQ_INTEROP_DIR"] ?? "/tmp/p2pmq-interop") + "/eth/bin/python" }
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("python")

    static func run(_ script: String, _ args: [String]) throws -> [String: Any] {
        guard FileManager.default.isExecutableFile(atPath: python) else {
            if ReferencePeer.required { XCTFail("the eth venv is not set up (scripts/test.sh makes it)") }
            throw XCTSkip("the eth venv is not set up (scripts/test.sh makes it)")
        }
        let run = try Executable.run(program: python, [folder.appendingPathComponent(script).path] + args)
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], run.stderr)
    }

    /// Runs `command` of `script` on `spec` written to a file in `dir`.
    static func run(_ script: String, _ command: String, spec: [String: Any], in dir: TemporaryDirectory) throws -> [String: Any] {
        let path = dir.sub("spec-\(UUID()).json")
        try JSONSerialization.data(withJSONObject: spec).write(to: URL(fileURLWithPath: path))
        return try run(script, [command, path])
    }
}
