import Agent
import AgentAPI
import Foundation
import Core
import Gossip
import XCTest

final class ValidatorPoolTests: XCTestCase {
    func message(_ id: String) -> Proto_Message { .with { $0.messageID = id; $0.topic = "t" } }

    func testNoValidatorMeansNoVerdict() async {
        let pool = ValidatorPool()
        let verdict = await pool.validate(message("m"))?.verdict
        XCTAssertNil(verdict)
    }

    func testAValidatorThatLeavesHandsItsMessagesToAnother() async throws {
        let pool = ValidatorPool()
        let (first, firstStream) = await pool.connect()
        let (_, secondStream) = await pool.connect()
        let result = { let m = message("m1"); return Task { await pool.validate(m)?.verdict } }()
        var it1 = firstStream.makeAsyncIterator()
        let got = await it1.next()
        XCTAssertEqual(got?.map(\.messageID), ["m1"], "round robin starts with the first validator")
        await pool.disconnect(first)  // leaves without answering
        var it2 = secondStream.makeAsyncIterator()
        let redispatched = await it2.next()
        XCTAssertEqual(redispatched?.map(\.messageID), ["m1"])
        await pool.verdict(.with { $0.msg = message("m1"); $0.result = .reject })
        guard case .reject(let reason)? = await result.value else { return XCTFail("expected REJECT") }
        XCTAssertEqual(reason, "rejected_by_validator", "a REJECT without a reason gets one")
        let waiting = await pool.waiting
        XCTAssertEqual(waiting, 0)
    }

    func testTheLastValidatorLeavingLeavesTheMessageToThePolicyAndANewOneCanConnect() async throws {
        let pool = ValidatorPool()
        let (only, stream) = await pool.connect()
        let result = { let m = message("m"); return Task { await pool.validate(m)?.verdict } }()
        var it = stream.makeAsyncIterator()
        _ = await it.next()
        await pool.disconnect(only)
        let verdict = await result.value
        XCTAssertNil(verdict, "no verdict: whenNoValidator decides")
        let (_, again) = await pool.connect()
        let second = { let m = message("n"); return Task { await pool.validate(m)?.verdict } }()
        var it2 = again.makeAsyncIterator()
        _ = await it2.next()
        await pool.verdict(.with { $0.msg = message("n"); $0.result = .nil })
        guard case .ignore? = await second.value else { return XCTFail("NIL counts as IGNORE") }
    }

    func testTimeoutsAndUnknownVerdicts() async throws {
        let pool = ValidatorPool()
        let (_, stream) = await pool.connect()
        let waiting = { let m = message("slow"); return Task { await pool.validate(m)?.verdict } }()
        var it = stream.makeAsyncIterator()
        _ = await it.next()
        waiting.cancel()  // what the validation timeout does
        let verdict = await waiting.value
        XCTAssertNil(verdict)
        try await Task.sleep(for: .milliseconds(50))
        let left = await pool.waiting
        XCTAssertEqual(left, 0, "the abandoned message is forgotten")
        await pool.verdict(.with { $0.msg = message("slow"); $0.result = .accept })  // too late
        await pool.verdict(.with { $0.msg = message("never-sent"); $0.result = .accept })
        let unknown = await pool.unknownVerdicts
        XCTAssertEqual(unknown, 2)
    }
}
