import Foundation

/// The condition did not hold in time (thrown by `eventually`; XCTest reports it as a failure).
public struct TimedOut: Error, CustomStringConvertible {
    public let description: String
}

/// Polls `condition` every 100 ms until it holds; throws `TimedOut` after `seconds`.
public func eventually(_ what: String, seconds: Double = 20, _ condition: () async -> Bool) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if await condition() { return }
        try await Task.sleep(for: .milliseconds(100))
    }
    throw TimedOut(description: "timed out after \(seconds) s waiting for \(what)")
}
