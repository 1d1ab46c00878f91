import Core
import XCTest

/// Heads as of an instant, so live reports are judged as of their arrival.
final class HeadTimelineTests: XCTestCase {
    func testHeadAtAnInstant() {
        var h = HeadTimeline()
        let t0 = ManualClock().now
        XCTAssertNil(h.head(topic: "t", don: "d", at: t0), "untracked: use the current head")
        h.advanced(topic: "t", don: "d", from: nil, to: 1, at: t0 + .seconds(1))
        h.advanced(topic: "t", don: "d", from: 1, to: 5, at: t0 + .seconds(2))
        h.advancedIfTracked(topic: "t", don: "d", to: 9, at: t0 + .seconds(3))
        h.advancedIfTracked(topic: "t", don: "other", to: 9, at: t0 + .seconds(3))
        XCTAssertEqual(h.head(topic: "t", don: "d", at: t0), .some(nil), "before the first report: no head yet")
        XCTAssertEqual(h.head(topic: "t", don: "d", at: t0 + .milliseconds(1500)), .some(1))
        XCTAssertEqual(h.head(topic: "t", don: "d", at: t0 + .milliseconds(2500)), .some(5))
        XCTAssertEqual(h.head(topic: "t", don: "d", at: t0 + .seconds(4)), .some(9))
        XCTAssertNil(h.head(topic: "t", don: "other", at: t0 + .seconds(4)))
    }
}
