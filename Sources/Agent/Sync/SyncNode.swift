import Core
import Store

/// What range sync asks of the node it serves: its topics and validation backlog, the check of a
/// fetched record through the node's own validation path, penalties for peers that served
/// forgeries, and the fetched records to deliver. Handed over at `SyncService.start(node:)`.
protocol SyncNode: Sendable {
    func subscriptions() async -> Set<String>
    /// Live reports waiting for (or in) validation.
    func liveBacklog() async -> Int
    /// The DON's maxSeqGap, to cap the heads peers report (see `CredibleHeads`).
    func maxSeqGap(don: String) -> UInt64?
    func checkSynced(topic: String, don: String, seq: UInt64, messageID: String, data: [UInt8], peer: String) async -> SyncCheck
    func syncPenalty(peer: String, topic: String, messageID: String, code: String, detail: String) async
    func deliverSynced(_ records: [LogRecord]) async
}
