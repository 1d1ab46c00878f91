import AgentAPI
import Core
import DON
import Foundation
import Gossip
import Store
import Wire

/// The node as the pubsub service's `PubsubNode`: how a message is judged (the registry's own
/// updates, a connected validator with the node's context, or the `whenNoValidator` policy) and
/// logged (`persist`).
extension AgentNode: PubsubNode {
    public nonisolated func validate(_ request: InboundMessage) async -> PubsubService.ValidationAnswer {
        // Config updates are judged here, never by a validator (see RegistryState).
        if let registry, request.topic == registry.topic {
            let outcome = registry.judge(request.data)
            return .init(outcome.verdict, reason: outcome.reason)
        }
        // Decoded once here: the verifier, the validator's context and the log (through the
        // answer's `report`) all use this.
        let decoded = DecodedReport.decode(request.data, topic: request.topic, registry: registry?.current)
        let key = decoded.map { ReportKey(don: $0.don, seq: $0.seq, digest: $0.digest) }
        let state = ArrivalSequenceState(store: store, history: headHistory, arrivedAt: request.arrivedAt)
        let sync = self.sync
        let knownHead: @Sendable (String) -> UInt64? = { sync.bestKnownHead(topic: request.topic, don: $0) }
        // Freshness is judged at this wall-clock time (and a validator at `received_ns`).
        let wallNow = WallClock.nanoseconds()
        if await validators.count > 0 {
            var m = Proto_Message()
            m.messageID = request.idText
            m.topic = request.topic
            m.data = Data(request.data)
            m.from = request.from
            m.receivedNs = Int64(clamping: wallNow)
            m.context = ValidationContextBuilder.live(report: key, topic: request.topic, state: state, knownHead: knownHead,
                                                      registryVersion: registry?.current.appliedUpdates ?? 0)
            if var answer = await validators.validate(m) {
                answer.report = key
                return answer
            }
        }
        switch config.effectiveWhenNoValidator {
        case .accept: return .init(.accept, report: key)
        case .ignore: return .init(.ignore, report: key)
        case .don:
            guard let verifier = verifier(), let decision = try? verifier.verify(
                data: request.data, topic: request.topic, state: state, knownHead: knownHead, decoded: decoded, now: wallNow / 1_000_000_000)
            else {
                return .ignore
            }
            switch decision.verdict {
            case .accept: return .init(.accept, reason: decision.reason.rawValue, report: key)
            case .ignore: return .init(.ignore, reason: decision.reason.rawValue, report: key)
            case .reject: return .init(.reject(reason: decision.reason.rawValue), reason: decision.reason.rawValue, report: key)
            }
        }
    }

    public func append(_ judged: JudgedMessage) async -> PubsubService.LogReceipt { await persist(judged) }
}

/// The node as range sync's `SyncNode`.
extension AgentNode: SyncNode {
    func subscriptions() async -> Set<String> { await pubsub.subscriptions() }

    func liveBacklog() async -> Int { await pubsub.validationBacklog() }

    nonisolated func maxSeqGap(don: String) -> UInt64? { registry?.current[don]?.thresholds.maxSeqGap }

    nonisolated func checkSynced(topic: String, don: String, seq: UInt64, messageID: String, data: [UInt8], peer: String) async -> SyncCheck {
        await SyncedRecordCheck(pool: validators, verifier: verifier(), registry: registry, fallback: config.effectiveWhenNoValidator,
                                messageIDs: config.gossip.messageIDFunction(for: topic))
            .check(topic: topic, don: don, seq: seq, messageID: messageID, data: data, peer: peer)
    }
}
