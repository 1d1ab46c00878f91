import Core
import Foundation
import TestSupport
import XCTest

/// 50 NodeCores on a simulated network with a virtual clock (seeded latency and message loss):
/// the real router, validation queue and verdict policy, no sockets. The seed of the simulator.
final class NodeCoreNetworkTests: XCTestCase {
    struct Run {
        var digest: UInt64
        var published: [[UInt8]]
        var delivered: [Set<[UInt8]>]
        var logs: [[[UInt8]]]
        var lost: Int
        var events: Int
        var rejected: Int
    }

    /// 5 publishers x 20 reports, 100 ms apart; a sixth node sends 10 forgeries.
    func simulate(seed: UInt64, loss: Double = 0.02) -> Run {
        var options = SimulatedNetwork.Options()
        options.seed = seed
        options.loss = loss
        options.scoreParams.topics["reports"] = TopicScoreParams()
        var net = SimulatedNetwork(nodes: 50, options: options)
        net.judge = { data in data.starts(with: Array("forged".utf8)) ? .reject(reason: "bad_signature") : .accept }
        net.connectRandomly(degree: 4)
        net.subscribeAll("reports")
        let start = net.clock.now + .seconds(3)
        var published: [[UInt8]] = []
        for k in 0..<20 {
            for p in 0..<5 {
                let data = Array("report \(p)/\(k)".utf8)
                published.append(Array(MessageIDFunction.contentHash(of: data).utf8))
                net.schedulePublish(p * 10, topic: "reports", data: data, at: start + .milliseconds(100 * k + 7 * p))
            }
            if k < 10 { net.schedulePublish(49, topic: "reports", data: Array("forged \(k)".utf8), at: start + .milliseconds(100 * k + 50)) }
        }
        net.run(until: start + .seconds(20))
        let logs = net.nodes.indices.map { net.log($0, "reports") }
        return Run(digest: net.traceDigest, published: published, delivered: net.delivered, logs: logs, lost: net.messagesLost,
                   events: net.eventsHandled, rejected: net.penalties.filter { $0.reason == "bad_signature" }.count)
    }

    func testEveryHonestReportReachesEveryNodeDespiteLoss() {
        let run = simulate(seed: 42)
        XCTAssertGreaterThan(run.lost, 0, "the run must actually lose messages for gossip to repair")
        let honest = Set(run.published)
        for (i, got) in run.delivered.enumerated() {
            XCTAssertTrue(honest.isSubset(of: got), "node \(i) misses \(honest.subtracting(got).count) reports")
            XCTAssertEqual(Set(run.logs[i]).intersection(honest), honest, "node \(i)'s log")
            XCTAssertEqual(run.logs[i].count, Set(run.logs[i]).count, "node \(i) stored something twice")
        }
        XCTAssertGreaterThan(run.rejected, 0, "forgeries were judged and their senders penalized")
        print("50 nodes: \(run.events) events, \(run.lost) messages lost on the way, \(run.rejected) forgeries rejected")
    }

    func testTheSameSeedGivesTheSameRunEventForEvent() {
        let a = simulate(seed: 7), b = simulate(seed: 7)
        XCTAssertEqual(a.digest, b.digest)
        XCTAssertEqual(a.events, b.events)
        XCTAssertEqual(a.logs, b.logs, "every node's log in the same order")
        let c = simulate(seed: 8)
        XCTAssertNotEqual(a.digest, c.digest, "another seed is another run")
    }
}
