import Core
import Gossip
import Wire

/// A router that has met one peer on one topic, made once; each input works on a copy, so
/// inputs stay independent and a crash replays from its file alone.
nonisolated(unsafe) private let meshedRouter: GossipsubRouter = {
    var r = GossipsubRouter(localPeer: "local", seed: 7)
    let now = Instant(nanoseconds: 1_000_000_000)
    _ = r.addPeer("remote", protocol: .meshsub12, outbound: false, ip: "10.0.0.2")
    _ = r.subscribe("don-a/reports", now: now)
    var sub = GossipsubRouter.RPC()
    var opt = GossipsubRouter.RPC.SubOpts()
    opt.subscribe = true
    opt.topicid = "don-a/reports"
    sub.subscriptions = [opt]
    _ = r.handleRPC(from: "remote", sub, now: now)
    _ = r.heartbeat(now: now.advanced(by: .seconds(1)))
    return r
}()

/// gossipsub: uvarint-framed RPC protobufs as a stream carries them, each handed to the router
/// (messages, control, subscriptions), with verdicts and heartbeats in between.
func fuzzGossipsubRPC(_ bytes: [UInt8]) {
    var router = meshedRouter
    var now = Instant(nanoseconds: 3_000_000_000)
    var reader = LengthPrefixedReader(maxLength: 1 << 20)
    reader.append(bytes)
    var frames = 0
    while frames < 64, let frame = try? reader.next() {
        frames += 1
        guard let rpc = try? GossipsubRouter.RPC(serializedBytes: frame) else { continue }
        for action in router.handleRPC(from: "remote", rpc, now: now) {
            // Answer validations so the accept/reject paths run too.
            if case .validate(let id, let m, _) = action {
                let verdict: GossipsubRouter.Verdict = m.data.first.map { $0 & 1 == 0 } ?? true ? .accept : .reject(reason: "fuzz")
                _ = router.validationResult(id, verdict, now: now)
            }
        }
        now = now.advanced(by: .milliseconds(Int64(frame.count % 1500)))
        if frame.count % 3 == 0 { _ = router.heartbeat(now: now) }
    }
}
