import Core
import XCTest

/// The validation queue as a value, on a manual clock: slots, capacity, and deadlines counted
/// from arrival.
final class ValidationQueueTests: XCTestCase {
    let a: [UInt8] = [1], b: [UInt8] = [2], c: [UInt8] = [3]

    func testSlotsThenQueueThenDrops() {
        var clock = ManualClock()
        var q = ValidationQueue(concurrency: 1, capacity: 1, timeout: .seconds(1))
        XCTAssertEqual(kinds([q.admit(a, arrivedAt: clock.now, now: clock.now)]), ["start 1"])
        XCTAssertEqual(kinds([q.admit(b, arrivedAt: clock.now, now: clock.now)]), ["wait 2"])
        XCTAssertEqual(kinds([q.admit(c, arrivedAt: clock.now, now: clock.now)]), ["drop 3 validation_queue_full"])
        XCTAssertEqual(q.backlog, 2)
        clock.advance(.milliseconds(200))
        let (elapsed, next) = q.finish(a, now: clock.now)
        XCTAssertEqual(elapsed, .milliseconds(200))
        XCTAssertEqual(kinds(next), ["start 2"], "the freed slot goes to the queued message")
        XCTAssertEqual(q.backlog, 1)
    }

    /// The deadline counts from arrival, queue wait included: what waited out its timeout in the
    /// queue is dropped unjudged, and a running validation past it expires.
    func testDeadlinesCountFromArrival() {
        var clock = ManualClock()
        var q = ValidationQueue(concurrency: 1, capacity: 10, timeout: .seconds(1))
        _ = q.admit(a, arrivedAt: clock.now, now: clock.now)
        _ = q.admit(b, arrivedAt: clock.now, now: clock.now)
        clock.advance(.milliseconds(600))
        let (_, next) = q.finish(a, now: clock.now)
        XCTAssertEqual(kinds(next), ["start 2"], "0.4 s of its second left")
        _ = q.admit(c, arrivedAt: clock.now, now: clock.now)
        XCTAssertEqual(q.nextDeadline, ManualClock().now + .seconds(1))
        clock.advance(.milliseconds(400))
        XCTAssertEqual(kinds(q.sweep(now: clock.now)), ["expired 2", "start 3"])
        XCTAssertEqual(q.finish(b, now: clock.now).elapsed, nil, "a verdict after the deadline is void")
    }

    func testQueuedMessagesPastTheirDeadlineAreDroppedWhenASlotFrees() {
        var clock = ManualClock()
        var q = ValidationQueue(concurrency: 1, capacity: 10, timeout: .seconds(1))
        _ = q.admit(a, arrivedAt: clock.now, now: clock.now)
        _ = q.admit(b, arrivedAt: clock.now, now: clock.now)
        clock.advance(.milliseconds(300))
        _ = q.admit(c, arrivedAt: clock.now, now: clock.now)
        clock.advance(.milliseconds(900))
        XCTAssertEqual(kinds(q.finish(a, now: clock.now).next), ["drop 2 validation_timeout", "start 3"])
    }

    func testAMessageAlreadyPastItsDeadlineOnArrivalIsDropped() {
        let clock = ManualClock()
        var q = ValidationQueue(concurrency: 4, capacity: 4, timeout: .seconds(1))
        XCTAssertEqual(kinds([q.admit(a, arrivedAt: clock.now - .seconds(2), now: clock.now)]), ["drop 1 validation_timeout"])
        XCTAssertEqual(q.backlog, 0)
    }

    private func kinds(_ steps: [ValidationQueue.Step]) -> [String] {
        steps.map {
            switch $0 {
            case .start(let j): "start \(j.id[0])"
            case .wait(let j): "wait \(j.id[0])"
            case .expired(let j): "expired \(j.id[0])"
            case .drop(let j, let why): "drop \(j.id[0]) \(why.rawValue)"
            }
        }
    }
}
