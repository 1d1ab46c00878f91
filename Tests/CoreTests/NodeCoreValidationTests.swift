import Core
import TestSupport
import XCTest

/// A message's path through the core: validate, verdict, log, then forward and deliver.
final class NodeCoreValidationTests: XCTestCase {
    typealias F = NodeCoreFixture

    func testAnAcceptedMessageIsStoredThenForwardedAndDeliveredWithItsOffset() throws {
        var f = F()
        let id = f.receive("report", from: f.b)
        let asked = F.validations(f.actions)
        XCTAssertEqual(asked.map(\.id), [id])
        XCTAssertEqual(asked.first?.from, f.b)
        XCTAssertEqual(asked.first?.arrivedAt, f.clock.now)

        f.clock.advance(.milliseconds(3))
        let judged = f.handle(.verdict(id: id, .accept, reason: VerdictReason(parsing: "new_head: seq 5")))
        XCTAssertEqual(F.forwards(judged), [], "nothing is forwarded before the log has it")
        let appended = try XCTUnwrap(F.appends(judged).first)
        XCTAssertEqual(appended.reason?.code, "new_head")
        XCTAssertEqual(appended.elapsed, .milliseconds(3))

        let after = f.handle(.appended(id: id, local: false, .appended(offset: 41), stored: .accept))
        XCTAssertEqual(F.forwards(after), [f.c], "forwarded to the mesh, not back to the sender")
        XCTAssertEqual(F.deliveries(after).map(\.1), [41])
    }

    /// docs/RELIABILITY.md finding 8: an ACCEPT for a report range sync stored while it waited
    /// must not be forwarded long after its time.
    func testAnAcceptTheLogAlreadyHeldIsNotForwardedNorDelivered() {
        var f = F()
        let id = f.receive("report", from: f.b)
        f.handle(.verdict(id: id, .accept, reason: nil))
        let after = f.handle(.appended(id: id, local: false, .alreadyHeld, stored: .accept))
        XCTAssertEqual(F.forwards(after), [])
        XCTAssertTrue(F.deliveries(after).isEmpty)
    }

    func testAStoreFailureForwardsNothing() {
        var f = F()
        let id = f.receive("report", from: f.b)
        f.handle(.verdict(id: id, .accept, reason: nil))
        let after = f.handle(.appended(id: id, local: false, .failed, stored: .accept))
        XCTAssertEqual(F.forwards(after), [])
        XCTAssertTrue(F.deliveries(after).isEmpty)
    }

    /// A REJECT costs the sender (P4); its penalty record is the log's, written with the message,
    /// so the router's penalty is not handed out a second time.
    func testARejectLowersTheSendersScoreAndIsRecordedOnce() {
        var f = F()
        let before = f.core.router.score.score(f.b, now: f.clock.now)
        let id = f.receive("forged", from: f.b)
        let judged = f.handle(.verdict(id: id, .reject(reason: "bad_signature"), reason: VerdictReason(code: "bad_signature")))
        XCTAssertEqual(F.appends(judged).first?.storedReason, "bad_signature")
        let after = f.handle(.appended(id: id, local: false, .appended(offset: 0), stored: .reject(reason: "bad_signature")))
        XCTAssertEqual(F.penalties(after), [])
        XCTAssertEqual(F.forwards(after), [])
        XCTAssertLessThan(f.core.router.score.score(f.b, now: f.clock.now), before)
    }

    /// The log's owner may change the verdict (a config update that no longer extends its chain):
    /// the router follows the stored verdict.
    func testTheStoredVerdictIsTheOneActedOn() {
        var f = F()
        let id = f.receive("update", from: f.b)
        f.handle(.verdict(id: id, .accept, reason: nil))
        let after = f.handle(.appended(id: id, local: false, .appended(offset: 2), stored: .ignore))
        XCTAssertEqual(F.forwards(after), [])
        XCTAssertTrue(F.deliveries(after).isEmpty)
    }

    /// The timeout counts from arrival, queue wait included (finding 8): a message that waited it
    /// out is IGNOREd unjudged and never forwarded; a verdict after the deadline is void.
    func testTheTimeoutCountsFromArrivalAndLateVerdictsAreVoid() {
        var options = NodeCore.Options()
        options.maxConcurrentValidations = 1
        options.validationTimeout = .seconds(1)
        var f = F(options: options)
        let first = f.receive("m0", from: f.b)
        let second = f.receive("m1", from: f.b)
        XCTAssertEqual(F.validations(f.actions).map(\.id), [first], "one slot")
        XCTAssertTrue(F.timers(f.actions).contains(.validationSweep), "deadlines are watched while anything waits")
        f.clock.advance(.milliseconds(1100))
        let swept = f.handle(.timerFired(.validationSweep))
        let dropped = F.appends(swept)
        XCTAssertEqual(dropped.map(\.message.id), [first, second])
        XCTAssertEqual(dropped.map(\.dropped), [.timeout, .timeout])
        XCTAssertEqual(dropped.map(\.storedReason), ["validation_timeout", "validation_timeout"])
        XCTAssertEqual(F.validations(swept).count, 0, "the queued one is never judged")
        XCTAssertTrue(f.handle(.verdict(id: first, .accept, reason: nil)).isEmpty, "too late: void")
        XCTAssertEqual(f.core.stats.droppedTimeout, 2)
        XCTAssertEqual(f.core.stats.validated, 1)
        XCTAssertEqual(f.core.queue.backlog, 0)
    }

    func testAFullQueueGivesACountedIgnore() {
        var options = NodeCore.Options()
        options.maxConcurrentValidations = 1
        options.validationQueueSize = 1
        var f = F(options: options)
        for i in 0..<4 { f.receive("m\(i)", from: f.b) }
        XCTAssertEqual(F.appends(f.actions).map(\.storedReason), ["validation_queue_full", "validation_queue_full"])
        XCTAssertEqual(f.core.stats.droppedQueueFull, 2)
        XCTAssertEqual(f.core.queue.backlog, 2)
    }

    /// Without a validator (go-libp2p-pubsub without a topic validator) and without a log,
    /// messages are forwarded and delivered as they arrive.
    func testWithoutValidatorOrLogMessagesFlowAtOnce() {
        var options = NodeCore.Options()
        options.validates = false
        options.keepsLog = false
        var f = F(options: options)
        f.receive("m", from: f.b)
        XCTAssertEqual(F.forwards(f.actions), [f.c])
        XCTAssertEqual(F.deliveries(f.actions).count, 1)
        XCTAssertTrue(F.appends(f.actions).isEmpty)
    }
}
