import AgentAPI
import Foundation
import Wire
import Core
import Gossip
import Store

/// The node's side of range sync: penalties for peers that serve bad data, the P5 scores those
/// penalties set (rebuilt from the penalty history at start), and delivering fetched records.
extension AgentNode {
    /// What one sync penalty costs in P5 (before `appSpecificWeight`).
    static let syncPenaltyValue = -10.0

    func syncPenalty(peer: String, topic: String, messageID: String, code: String, detail: String) async {
        await applicationPenalty(peer: peer, topic: topic, messageID: messageID, code: code, detail: detail)
    }

    /// A penalty outside gossip (range sync's `sync_*`, the DHT's `dht_*`): P5 and the history.
    func applicationPenalty(peer: String, topic: String, messageID: String, code: String, detail: String) async {
        let score = addApplicationScore(peer, Self.syncPenaltyValue)
        await pubsub.setApplicationScore(peer, score)
        let penalty = PenaltyRecord(peer: peer, at: WallClock.nanoseconds(), topic: topic, messageID: messageID, reason: "\(code): \(detail)",
                                    verdict: .reject, scoreDelta: Self.syncPenaltyValue * config.scoring.appSpecificWeight)
        logger.warning("penalized \(peer) on \(topic): \(code): \(detail)")
        do { try await store.appendPenalty(penalty) } catch {
            noteStoreProblem(error, while: "recording a \(code) penalty for \(peer)")
        }
    }

    /// Sets every peer's P5 from the sync and DHT penalties of the last `retainScore`, so a restart does
    /// not whitewash a peer that served forged records.
    func restoreApplicationScores() async {
        let since = WallClock.nanoseconds() &- UInt64(clamping: config.scoring.retainScore.nanosecondsClamped)
        var scores: [String: Double] = [:]
        try? store.penalties { p in
            if p.at >= since, p.reason.hasPrefix("sync_") || p.reason.hasPrefix("dht_") { scores[p.peer, default: 0] += Self.syncPenaltyValue }
            return true
        }
        for (peer, score) in scores {
            _ = addApplicationScore(peer, score)
            await pubsub.setApplicationScore(peer, score)
        }
    }

    /// Records fetched by sync reach live listeners too (with their offsets), after the log.
    func deliverSynced(_ records: [LogRecord]) async {
        // Through the core, which knows the listeners and their topics.
        await pubsub.deliverHistory(records.map { r in
            (InboundMessage(id: Array(r.messageID.utf8), topic: r.topic, data: r.data, from: r.from, arrivedAt: SystemClock().now), r.offset)
        })
        // Fetched records may have moved heads on: note it for judging live reports by arrival.
        var highest: [String: (topic: String, don: String, seq: UInt64)] = [:]
        for r in records where !r.don.isEmpty {
            let key = r.topic + "\u{0}" + r.don
            if (highest[key]?.seq ?? 0) <= r.seq { highest[key] = (r.topic, r.don, r.seq) }
        }
        for h in highest.values {
            if let head = try? store.head(topic: h.topic, don: h.don), head.seq == h.seq {
                headHistory.advancedIfTracked(topic: h.topic, don: h.don, to: h.seq)
            }
        }
    }

    /// Starts a catch-up round now and waits until no round is running or queued.
    public func catchUp() async {
        await sync.requestRound()
        await sync.idle()
    }

    /// Waits for catch-up rounds started by connections, subscriptions or gaps to end.
    public func syncIdle() async { await sync.idle() }

    /// What the last catch-up round did, for logs, tests and `Admin.Health`.
    public func lastCatchUp() async -> CatchUpReport? { await sync.lastRound }

    /// The application-specific score this node gives `peer`.
    public func applicationScore(_ peer: String) -> Double { addApplicationScore(peer, 0) }
}

