import Core
import Foundation
import XCTest

/// The devnet's timeline as a value.
final class ScenarioTests: XCTestCase {
    func testTheStandardRunKeepsTheDevnetsTimes() {
        let s = Scenario.standard(duration: 30, rate: 10, hostile: 2, churnEvery: 5, partition: ("don-b", 10, 8))
        let at = Dictionary(s.events.map { ($0.kind, $0.at) }, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(at[.byzantineStart], 3)
        XCTAssertEqual(at[.byzantineStop], 13.5)
        XCTAssertEqual(at[.lateJoiner], 15)
        XCTAssertEqual(at[.hostileStart], 3)
        XCTAssertEqual(at[.churnStart], 3)
        XCTAssertEqual(at[.partitionCut], 10)
        XCTAssertEqual(at[.partitionHeal], 18)
        XCTAssertEqual(s.partition?.length, 8)
        XCTAssertEqual(s.churnEvery, 5)
        XCTAssertNil(s.problem)
    }

    func testEventsAreHandedOutOnceInOrder() {
        var t = ScenarioTimeline(.standard(duration: 10, rate: 1))
        XCTAssertEqual(t.due(at: 0.5).map(\.kind), [])
        XCTAssertEqual(t.due(at: 1).map(\.kind), [.byzantineStart])
        XCTAssertEqual(t.due(at: 1).map(\.kind), [], "once")
        XCTAssertEqual(t.due(at: 100).map(\.kind), [.byzantineStop, .lateJoiner], "a late tick gets everything due, in order")
        XCTAssertTrue(t.isFinished)
    }

    func testBadScenariosSayWhatIsWrong() {
        var s = Scenario.standard(duration: 10, rate: 1, byzantine: 0)
        s.events.append(.init(at: 2, kind: .byzantineStart))
        XCTAssertEqual(s.problem, "events[1] (byzantine-start) needs byzantine: 1")
        s = .standard(duration: 10, rate: 1)
        s.events.append(.init(at: 12, kind: .lateJoiner))
        XCTAssertEqual(s.problem, "events[3] (late-joiner): at 12.0 s is outside the run's 0...10.0 s")
        s = .standard(duration: 10, rate: 1)
        s.events.append(.init(at: 2, kind: .partitionCut))
        XCTAssertEqual(s.problem, "events[3] (partition-cut) needs a don")
        XCTAssertEqual(Scenario.standard(duration: 0, rate: 1).problem, "duration must be more than 0 seconds")
    }

    func testItRoundTripsAsData() throws {
        let s = Scenario.standard(duration: 20, rate: 5, churnEvery: 4)
        XCTAssertEqual(try JSONDecoder().decode(Scenario.self, from: JSONEncoder().encode(s)), s)
    }
}
