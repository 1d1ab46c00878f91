import Foundation

/// The condition did not hold in time (thrown by `eventually`; XCTest reports it as a failure).
public struct TimedOut: Error, CustomStringConvertible {
    public let description: String
}

/// Polls `condition` every 100 ms until it holds; throws `TimedOut` after `seconds`.
public func eventually(_ what: String, seconds: Double = 20, _ condition: () async -> Bool) async throws {
    guard await holds(within: seconds, condition) else { throw TimedOut(description: "timed out after \(seconds) s waiting for \(what)") }
}

/// Polls `condition` every 100 ms until it holds (true) or `seconds` pass (false, after one
/// last look).
public func holds(within seconds: Double, _ condition: () async -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(100))
    }
    return await condition()
}
