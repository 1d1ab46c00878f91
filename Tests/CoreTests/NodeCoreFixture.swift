import Core
import Foundation
import TestSupport
import Wire

/// One `NodeCore` ("me") driven by hand on a manual clock, with two peers (`b`, `c`) subscribed
/// to "t" and in its mesh. Tests feed events and read the actions back: no sockets, no sleeps.
struct NodeCoreFixture {
    static let names = (1...3).map { try! PrivateKey(seed: Array(repeating: UInt8($0), count: 32)).peerID.description }
    var clock = ManualClock()
    var core: NodeCore
    let me = NodeCoreFixture.names[0], b = NodeCoreFixture.names[1], c = NodeCoreFixture.names[2]
    /// Every action returned so far, in order.
    var actions: [NodeAction] = []

    init(options: NodeCore.Options = NodeCore.Options(), gossip: GossipsubConfig = GossipsubConfig()) {
        var scoring = PeerScoreParams()
        scoring.topics["t"] = TopicScoreParams()
        core = NodeCore(localPeer: NodeCoreFixture.names[0], gossip: gossip, scoreParams: scoring, options: options)
        handle(.start)
        handle(.subscribe("t"))
        for peer in [b, c] {
            handle(.peerUp(peer, .meshsub12, outbound: true, ip: nil))
            handle(.rpc(from: peer, RPCs.subscribe(["t"])))
        }
        heartbeat()
        actions = []
    }

    @discardableResult
    mutating func handle(_ event: NodeEvent) -> [NodeAction] {
        let out = core.handle(event, at: clock.now)
        actions += out
        return out
    }

    mutating func heartbeat() {
        clock.advance(.seconds(1))
        handle(.timerFired(.heartbeat))
    }

    /// `peer` forwards a message with `data` on "t"; returns its id.
    @discardableResult
    mutating func receive(_ data: String, from peer: String) -> [UInt8] {
        let m = RPCs.message("t", Array(data.utf8))
        handle(.rpc(from: peer, RPCs.publish(m)))
        return GossipsubConfig().messageIDFunction.id(m)
    }

    // What the actions say.

    static func validations(_ actions: [NodeAction]) -> [InboundMessage] {
        actions.compactMap { if case .validate(let m) = $0 { m } else { nil } }
    }

    static func appends(_ actions: [NodeAction]) -> [JudgedMessage] {
        actions.compactMap { if case .append(let j) = $0 { j } else { nil } }
    }

    static func deliveries(_ actions: [NodeAction]) -> [(InboundMessage, UInt64?)] {
        actions.compactMap { if case .deliver(let m, let o, _) = $0 { (m, o) } else { nil } }
    }

    /// Peers a message was forwarded to.
    static func forwards(_ actions: [NodeAction]) -> [String] {
        actions.compactMap { if case .send(let to, let rpc) = $0, !rpc.publish.isEmpty { to } else { nil } }
    }

    static func penalties(_ actions: [NodeAction]) -> [String] {
        actions.compactMap { if case .penalize(_, _, let reason) = $0 { reason } else { nil } }
    }

    static func timers(_ actions: [NodeAction]) -> [NodeTimer] {
        actions.compactMap { if case .setTimer(let t, _) = $0 { t } else { nil } }
    }
}
