import Core
import Foundation
import Wire

/// Hand-built RPCs for scripted peers.
public enum RPCs {
    public typealias RPC = GossipsubRouter.RPC

    public static func message(_ topic: String, _ data: [UInt8]) -> GossipsubRouter.Message {
        var m = GossipsubRouter.Message()
        m.topic = topic
        m.data = Data(data)
        return m
    }

    public static func publish(_ messages: GossipsubRouter.Message...) -> RPC {
        var rpc = RPC()
        rpc.publish = messages
        return rpc
    }

    public static func subscribe(_ topics: [String], _ on: Bool = true) -> RPC {
        var rpc = RPC()
        rpc.subscriptions = topics.map { t in
            var s = RPC.SubOpts()
            s.topicid = t
            s.subscribe = on
            return s
        }
        return rpc
    }

    public static func graft(_ topic: String) -> RPC {
        var g = P2pmq_Libp2p_Pubsub_ControlGraft()
        g.topicID = topic
        var rpc = RPC()
        rpc.control.graft = [g]
        return rpc
    }

    public static func prune(_ topic: String, backoff: UInt64 = 60, px: [String] = []) -> RPC {
        var p = P2pmq_Libp2p_Pubsub_ControlPrune()
        p.topicID = topic
        p.backoff = backoff
        p.peers = px.map { id in
            var info = P2pmq_Libp2p_Pubsub_PeerInfo()
            info.peerID = Data(try! PeerID(id).bytes)
            return info
        }
        var rpc = RPC()
        rpc.control.prune = [p]
        return rpc
    }

    public static func ihave(_ topic: String, _ ids: [[UInt8]]) -> RPC {
        var i = P2pmq_Libp2p_Pubsub_ControlIHave()
        i.topicID = topic
        i.messageIds = ids.map { Data($0) }
        var rpc = RPC()
        rpc.control.ihave = [i]
        return rpc
    }

    public static func iwant(_ ids: [[UInt8]]) -> RPC {
        var i = P2pmq_Libp2p_Pubsub_ControlIWant()
        i.messageIds = ids.map { Data($0) }
        var rpc = RPC()
        rpc.control.iwant = [i]
        return rpc
    }
}

