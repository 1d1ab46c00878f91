import Foundation

/// RPCs to send, merged per peer so that one router step sends at most one RPC to each peer.
struct Outbox {
    private(set) var rpcs: [String: P2pmq_Libp2p_Pubsub_RPC] = [:]
    private(set) var order: [String] = []

    private mutating func touch(_ peer: String, _ body: (inout P2pmq_Libp2p_Pubsub_RPC) -> Void) {
        if rpcs[peer] == nil { order.append(peer) }
        body(&rpcs[peer, default: P2pmq_Libp2p_Pubsub_RPC()])
    }

    mutating func subscription(_ peer: String, topic: String, subscribe: Bool) {
        touch(peer) {
            var s = P2pmq_Libp2p_Pubsub_RPC.SubOpts()
            s.topicid = topic
            s.subscribe = subscribe
            $0.subscriptions.append(s)
        }
    }

    mutating func publish(_ peer: String, _ m: P2pmq_Libp2p_Pubsub_Message) { touch(peer) { $0.publish.append(m) } }

    mutating func graft(_ peer: String, topic: String) {
        touch(peer) {
            var g = P2pmq_Libp2p_Pubsub_ControlGraft()
            g.topicID = topic
            $0.control.graft.append(g)
        }
    }

    mutating func prune(_ peer: String, topic: String, backoff: Duration, px: [[UInt8]]) {
        touch(peer) {
            var p = P2pmq_Libp2p_Pubsub_ControlPrune()
            p.topicID = topic
            p.backoff = UInt64(backoff.components.seconds)
            p.peers = px.map { id in
                var info = P2pmq_Libp2p_Pubsub_PeerInfo()
                info.peerID = Data(id)
                return info
            }
            $0.control.prune.append(p)
        }
    }

    mutating func ihave(_ peer: String, topic: String, ids: [[UInt8]]) {
        touch(peer) {
            var i = P2pmq_Libp2p_Pubsub_ControlIHave()
            i.topicID = topic
            i.messageIds = ids.map { Data($0) }
            $0.control.ihave.append(i)
        }
    }

    mutating func iwant(_ peer: String, ids: [[UInt8]]) {
        touch(peer) {
            var i = P2pmq_Libp2p_Pubsub_ControlIWant()
            i.messageIds = ids.map { Data($0) }
            $0.control.iwant.append(i)
        }
    }

    mutating func idontwant(_ peer: String, ids: [[UInt8]]) {
        touch(peer) {
            var i = P2pmq_Libp2p_Pubsub_ControlIDontWant()
            i.messageIds = ids.map { Data($0) }
            $0.control.idontwant.append(i)
        }
    }

    func actions() -> [GossipsubRouter.Action] { order.map { .send(to: $0, rpcs[$0]!) } }
}
