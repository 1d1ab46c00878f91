import Core
import TestSupport
import Wire
import XCTest

/// The mesh through the core's events: joining grafts, leaving prunes with a backoff, a peer's
/// GRAFT is taken, a peer that goes away leaves the mesh.
final class NodeCoreMeshTests: XCTestCase {
    typealias F = NodeCoreFixture

    static func grafts(_ actions: [NodeAction]) -> [String] {
        actions.compactMap { if case .send(let to, let rpc) = $0, !rpc.control.graft.isEmpty { to } else { nil } }
    }

    static func prunes(_ actions: [NodeAction]) -> [(String, UInt64)] {
        actions.compactMap { if case .send(let to, let rpc) = $0, let p = rpc.control.prune.first { (to, p.backoff) } else { nil } }
    }

    func testJoiningGraftsTheTopicsPeersAndLeavingPrunesThemWithABackoff() {
        var f = F()
        XCTAssertEqual(f.core.router.mesh["t"], [f.b, f.c], "the fixture's peers joined the mesh on subscribe")
        let left = f.handle(.unsubscribe("t"))
        XCTAssertEqual(Set(Self.prunes(left).map(\.0)), [f.b, f.c])
        XCTAssertEqual(Self.prunes(left).first?.1, UInt64(GossipsubConfig().unsubscribeBackoff.components.seconds))
        XCTAssertNil(f.core.router.mesh["t"])
        let back = f.handle(.subscribe("t"))
        XCTAssertTrue(Self.grafts(back).isEmpty, "backed off: no GRAFT right after leaving")
    }

    func testAPeersGraftIsTakenAndAPeerThatLeavesIsDropped() {
        var f = F()
        let d = try! PrivateKey(seed: Array(repeating: 9, count: 32)).peerID.description
        f.handle(.peerUp(d, .meshsub12, outbound: false, ip: nil))
        f.handle(.rpc(from: d, RPCs.subscribe(["t"])))
        let answer = f.handle(.rpc(from: d, RPCs.graft("t")))
        XCTAssertTrue(Self.prunes(answer).isEmpty, "a GRAFT from a subscribed peer is accepted")
        XCTAssertTrue(f.core.router.mesh["t"]?.contains(d) == true)
        f.handle(.peerDown(d))
        XCTAssertFalse(f.core.router.mesh["t"]?.contains(d) == true)
    }
}
