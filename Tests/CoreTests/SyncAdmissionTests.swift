import Core
import XCTest

/// Serving ranges: slots per peer and pacing by a token bucket, on a manual clock.
final class SyncAdmissionTests: XCTestCase {
    func testSlotsPerPeerAndPacing() {
        var clock = ManualClock()
        var a = SyncAdmission(maxConcurrent: 2, rate: 100, burst: 50)
        XCTAssertTrue(a.admit("p"))
        XCTAssertTrue(a.admit("p"))
        XCTAssertFalse(a.admit("p"), "a third range at once is BUSY")
        XCTAssertTrue(a.admit("q"), "other peers have their own slots")
        a.release("p")
        XCTAssertTrue(a.admit("p"))
        XCTAssertEqual(a.reserve("p", records: 50, now: clock.now), .zero, "the burst goes at once")
        XCTAssertEqual(a.reserve("p", records: 100, now: clock.now), .seconds(1), "then 100 records a second")
        clock.advance(.seconds(1))
        XCTAssertEqual(a.reserve("q", records: 50, now: clock.now), .zero, "pacing is per peer")
    }
}
