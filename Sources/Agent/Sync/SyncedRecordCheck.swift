import AgentAPI
import DON
import Foundation
import Core
import Gossip

/// The joiner's validation path for a record fetched by sync: the record must be the report it
/// claims to be (DON, seq, message id), then the same judge as live messages decides: a
/// connected validator, else the `whenNoValidator` policy (the built-in DON verifier checks the
/// quorum; sequence rules do not apply to history). Config updates on the registry topic are
/// checked against the chain and applied at once, so the next version checks against them
/// (SyncService checks that topic's records one by one, in version order).
struct SyncedRecordCheck: Sendable {
    let pool: ValidatorPool
    let verifier: ReportVerifier?
    let registry: RegistryState?
    let fallback: AgentConfig.WhenNoValidator
    /// The topic's message-id function: content-hash ids can be checked against the data.
    let messageIDs: MessageIDFunction

    func check(topic: String, don: String, seq: UInt64, messageID: String, data: [UInt8], peer: String) async -> SyncCheck {
        guard let fields = ReportFields.extract(data, topic: topic, registryTopic: registry?.topic, registry: registry?.current) else {
            return .forged(code: "sync_forged_record", detail: "not_a_report: record for \(don) seq \(seq) is not a signed report")
        }
        guard fields.don == don, fields.seq == seq else {
            return .forged(code: "sync_forged_record", detail: "wrong_report: record sent as \(don) seq \(seq) holds \(fields.don) seq \(fields.seq)")
        }
        if let expected = messageIDs.text(ofData: data), messageID != expected {
            return .forged(code: "sync_forged_record", detail: "message_id_mismatch: message id \(messageID) does not match the data of \(don) seq \(seq)")
        }
        if let registry, topic == registry.topic {
            switch registry.apply(data) {
            case .extends, .known: return .accept(digest: fields.digest)
            case .ahead(let why): return .ignore(why)
            case .invalid(let why): return .forged(code: "sync_forged_record", detail: why)
            }
        }
        var m = Proto_Message()
        // Its own id in the pool: the same message may be in flight as live gossip, and verdicts
        // are matched by id (docs/API.md: synced records carry `<id>/sync`).
        m.messageID = messageID + "/sync"
        m.topic = topic
        m.data = Data(data)
        m.from = peer
        m.context = ValidationContextBuilder.historical(registryVersion: registry?.current.appliedUpdates ?? 0)
        if let answer = await pool.validate(m) {
            switch answer.verdict {
            case .accept: return .accept(digest: fields.digest)
            case .ignore: return .ignore("validator said IGNORE")
            case .reject(let reason): return .forged(code: "sync_rejected_record", detail: "\(reason): the validator rejected \(don) seq \(seq)")
            }
        }
        switch fallback {
        case .accept: return .accept(digest: fields.digest)
        case .ignore: return .ignore("no validator connected and whenNoValidator is ignore")
        case .don:
            guard let verifier else { return .ignore("no DON verifier configured") }
            let d = verifier.verifyHistorical(data: data, topic: topic)
            return d.verdict == .accept
                ? .accept(digest: fields.digest)
                : .forged(code: "sync_forged_record", detail: "\(d.reason.rawValue): \(d.detail)")
        }
    }
}
