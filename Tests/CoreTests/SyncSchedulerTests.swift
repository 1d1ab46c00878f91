import Core
import XCTest

/// When catch-up rounds run, on a manual clock.
final class SyncSchedulerTests: XCTestCase {
    var clock = ManualClock()
    var s = SyncScheduler(cooldown: .milliseconds(500))

    func testRequestsCoalesceAndASoonerOneMovesTheRoundEarlier() {
        XCTAssertEqual(s.request(after: .seconds(1), now: clock.now), [.armRound(at: clock.now + .seconds(1))])
        XCTAssertEqual(s.request(after: .seconds(2), now: clock.now), [], "a later request joins the waiting round")
        XCTAssertEqual(s.request(after: .zero, now: clock.now), [.armRound(at: clock.now)], "a sooner one brings it forward")
        XCTAssertEqual(s.dueFired(now: clock.now), [.runRound])
        XCTAssertTrue(s.isRunning)
        XCTAssertEqual(s.dueFired(now: clock.now), [], "a stale timer starts nothing")
    }

    /// Requests while a round runs (connections, gaps) make one more round, after the cooldown,
    /// and requests during the cooldown do not shorten it.
    func testARequestDuringARoundRunsOneMoreAfterTheCooldown() {
        _ = s.request(after: .zero, now: clock.now)
        _ = s.dueFired(now: clock.now)
        XCTAssertEqual(s.request(after: .zero, now: clock.now), [])
        XCTAssertEqual(s.request(after: .zero, now: clock.now), [])
        clock.advance(.seconds(2))
        XCTAssertEqual(s.roundEnded(leftUnfetched: false, now: clock.now), [.armRound(at: clock.now + .milliseconds(500))])
        XCTAssertEqual(s.request(after: .zero, now: clock.now), [], "gaps seen in the cooldown wait for it")
        XCTAssertFalse(s.isIdle)
        clock.advance(.milliseconds(500))
        XCTAssertEqual(s.dueFired(now: clock.now), [.runRound])
        XCTAssertEqual(s.roundEnded(leftUnfetched: false, now: clock.now), [.cancelRetry])
        XCTAssertTrue(s.isIdle)
    }

    /// A round that left seqs unfetched is retried 2 s, 4 s, ... up to 30 s later, 8 times at
    /// most; a complete round resets the count.
    func testShortRoundsAreRetriedWithDoublingWaits() {
        var waits: [Int64] = []
        for _ in 0..<10 {
            _ = s.request(after: .zero, now: clock.now)
            _ = s.dueFired(now: clock.now)
            let out = s.roundEnded(leftUnfetched: true, now: clock.now)
            if case .armRetry(let at)? = out.first {
                waits.append(Int64(at.since(clock.now).components.seconds))
                XCTAssertEqual(s.retryFired(now: at), [.armRound(at: at)])
                clock.advance(to: at)
            } else {
                XCTAssertEqual(out, [.cancelRetry])
                _ = s.request(after: .zero, now: clock.now)
                _ = s.dueFired(now: clock.now)
                _ = s.roundEnded(leftUnfetched: false, now: clock.now)
                break
            }
        }
        XCTAssertEqual(waits, [2, 4, 8, 16, 30, 30, 30, 30])
        XCTAssertEqual(s.shortRounds, 0, "a complete round resets the count")
    }
}
