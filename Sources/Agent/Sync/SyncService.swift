import Foundation
import Core
import Gossip
import Host
import Logging
import NIOConcurrencyHelpers
import Store
import SwiftProtobuf
import Synchronization
import Wire

/// `/p2pmq/sync/1.0.0` at the I/O edge: serves peers' Status and Range requests from the store
/// (rate-limited per peer), and runs catch-up rounds: ask peers for their heads, work out the
/// seqs this node lacks, fetch them (`CatchUpPlan` picks who from), re-validate every record
/// through the node's own validation path, append the valid ones, and penalize peers that send
/// forged or misordered data.
actor SyncService {
    nonisolated let store: ReportStore
    nonisolated let host: P2PHost
    nonisolated let options: SyncOptions
    nonisolated let maxRecordBytes: Int
    nonisolated let metrics: AgentMetrics
    nonisolated let logger: Logger
    /// The DON registry's topic: its streams are fetched first in a round, and their records
    /// checked one at a time in version order (each config update checks against the previous).
    nonisolated let registryTopic: String?
    /// The node this serves (checks, penalties, deliveries, its subscriptions and backlog),
    /// handed over at `start(node:)`.
    private nonisolated let attached = Mutex<(any SyncNode)?>(nil)
    private nonisolated var node: (any SyncNode)? { attached.withLock { $0 } }
    /// Highest head per (topic, DON) that peers reported: the verifier's best known head.
    private nonisolated let peerHeads = NIOLockedValueBox<[CatchUpPlan.Stream: UInt64]>([:])

    /// Serving slots and pacing per peer (Core's `SyncAdmission`).
    private var admission: SyncAdmission
    /// When rounds run (Core's `SyncScheduler`); this actor only keeps its two timers.
    private var scheduler: SyncScheduler
    private var roundTimer: Task<Void, Never>?
    private var retryTimer: Task<Void, Never>?
    private var running: Task<Void, Never>?
    private var idleWaiters: [CheckedContinuation<Void, Never>] = []
    private let clock = SystemClock()
    private var watcher: Task<Void, Never>?
    /// What the last catch-up round did (for logs, Admin and tests).
    private(set) var lastRound: CatchUpReport?

    init(store: ReportStore, host: P2PHost, options: SyncOptions, maxRecordBytes: Int, metrics: AgentMetrics, logger: Logger,
         registryTopic: String? = nil) {
        self.admission = SyncAdmission(maxConcurrent: options.maxConcurrentServes, rate: options.serveRate, burst: options.serveBurst)
        self.scheduler = SyncScheduler(cooldown: options.gapFillDelay)
        self.store = store
        self.host = host
        self.options = options
        self.maxRecordBytes = maxRecordBytes
        self.metrics = metrics
        self.logger = logger
        self.registryTopic = registryTopic
    }

    /// Registers the protocol handler and starts catching up for `node`: now, and whenever a
    /// peer connects.
    func start(node: any SyncNode) {
        attached.withLock { $0 = node }
        guard options.enabled else { return }
        host.registry.set(SyncProtocol.id) { [weak self] stream in await self?.serve(stream) }
        let events = host.subscribeEvents()
        watcher = Task { [weak self] in
            for await event in events {
                if case .connected = event { await self?.requestRound(after: .seconds(1)) }
            }
        }
        requestRound(after: .seconds(1))
    }

    func stop() {
        attached.withLock { $0 = nil }
        host.registry.remove(SyncProtocol.id)
        watcher?.cancel()
        roundTimer?.cancel()
        retryTimer?.cancel()
        running?.cancel()
    }

    /// The head most peers reported for (topic, DON) (the lower median of a round's credible
    /// heads, never lowered by a later round), if any reported one.
    nonisolated func bestKnownHead(topic: String, don: String) -> UInt64? {
        peerHeads.withLockedValue { $0[CatchUpPlan.Stream(topic: topic, don: don)] }
    }

    /// Live gossip skipped seqs: fetch them unless gossip fills them in the meantime.
    func gapSeen() { requestRound(after: options.gapFillDelay) }

    /// Runs a round after `delay`; a request while one runs makes another run after it (see
    /// `SyncScheduler` for the rules).
    func requestRound(after delay: Duration = .zero) {
        guard options.enabled else { return }
        perform(scheduler.request(after: delay, now: clock.now))
    }

    private func perform(_ actions: [SyncScheduler.Action]) {
        for action in actions {
            switch action {
            case .armRound(let at):
                roundTimer?.cancel()
                roundTimer = timer(at) { await $0.roundDue(at) }
            case .armRetry(let at):
                retryTimer?.cancel()
                retryTimer = timer(at) { await $0.retryDue(at) }
            case .cancelRetry:
                retryTimer?.cancel()
                retryTimer = nil
            case .runRound:
                running = Task { [weak self] in
                    await self?.runRound()
                    await self?.roundEnded()
                }
            }
        }
        if scheduler.isIdle {
            for w in idleWaiters { w.resume() }
            idleWaiters = []
        }
    }

    private func timer(_ at: Instant, _ fire: @escaping @Sendable (SyncService) async -> Void) -> Task<Void, Never> {
        let wait = at.since(clock.now)
        return Task { [weak self] in
            try? await Task.sleep(for: wait)
            guard !Task.isCancelled, let self else { return }
            await fire(self)
        }
    }

    // A timer fired because its time came: never earlier than that, whatever the clocks' rounding.
    private func roundDue(_ at: Instant) { perform(scheduler.dueFired(now: max(clock.now, at))) }
    private func retryDue(_ at: Instant) { perform(scheduler.retryFired(now: max(clock.now, at))) }

    private func roundEnded() {
        running = nil
        perform(scheduler.roundEnded(leftUnfetched: !(lastRound?.unavailable.isEmpty ?? true), now: clock.now))
    }

    /// Waits until no round runs or is queued (tests and tools).
    func idle() async {
        guard !scheduler.isIdle else { return }
        await withCheckedContinuation { idleWaiters.append($0) }
    }

    // MARK: catch-up

    func runRound() async {
        let began = clock.now
        var report = CatchUpReport()
        guard let node else { return }
        let topics = await node.subscriptions()
        let peers = Array(Set(host.connections.compactMap(\.remotePeer))).prefix(options.statusPeers)
        guard !topics.isEmpty, !peers.isEmpty else { return }
        report.peersAsked = peers.count
        let statuses = await withTaskGroup(of: (String, [P2pmq_Sync_StreamHead]?).self) { group in
            for peer in peers { group.addTask { (peer.description, await self.status(of: peer, topics: topics.sorted())) } }
            var all: [(String, [P2pmq_Sync_StreamHead]?)] = []
            for await s in group { all.append(s) }
            return all
        }
        // The decisions are Core's (`CatchUpRound`): which heads to believe, what is missing,
        // which plans fetch it. This reads the log for it and runs the plans.
        let store = self.store
        let round = CatchUpRound(
            statuses: statuses.flatMap { peer, heads in
                (heads ?? []).map { CatchUpRound.Status(peer: peer, topic: $0.topic, don: $0.don, first: $0.firstSeq, head: $0.headSeq) }
            },
            topics: topics, registryTopic: registryTopic, followMajority: await node.liveBacklog() == 0, maxSeqGap: node.maxSeqGap(don:),
            localHead: { try? store.head(topic: $0.topic, don: $0.don)?.seq },
            heldSeqs: { stream, low, high in
                var held: [UInt64] = []
                try? store.scanSeqs(topic: stream.topic, don: stream.don, from: low) { seq in
                    held.append(seq)
                    return seq <= high
                }
                return held
            })
        for note in round.notes {
            switch note {
            case .followingMajority(let stream, let limit, let best):
                logger.info("sync: most peers are more than maxSeqGap ahead on \(stream) (limit \(limit)): fetching up to \(best) now, the rest in the next rounds")
            case .incredibleHead(let stream, let peer, let head, let limit, let best):
                logger.warning("sync: \(peer) reports head \(head) for \(stream), past the credible limit \(limit) (maxSeqGap past this node's or the peers' median head): not believed; fetching up to \(best)")
            }
        }
        peerHeads.withLockedValue { known in
            for (stream, head) in round.agreedHeads { known[stream] = max(known[stream] ?? 0, head) }
        }
        report.missing = round.missing
        report.streams = round.streams
        guard !round.isDone else { return finish(report, began) }
        var excluded = Set<String>()
        for plan in round.plans where !plan.isDone {
            let (done, appended) = await execute(plan)
            report.appended += appended
            excluded.formUnion(done.excluded)
            for (stream, ranges) in done.unavailable where !ranges.isEmpty { report.unavailable[stream.description] = ranges.description }
        }
        report.excluded = excluded.sorted()
        finish(report, began)
        // Each round moves the credible limit up by what it fetched: keep going while that helps
        // (the test that found it: a joiner's first round cut short at seq 2574 of 10000 stopped
        // at 3574 for good).
        if round.behindMajority, report.appended > 0 { requestRound() }
    }

    /// Runs a plan's range requests, `parallelRequests` at a time, until it is done.
    private func execute(_ initial: CatchUpPlan) async -> (CatchUpPlan, Int) {
        let parallel = max(1, options.parallelRequests)
        return await withTaskGroup(of: (CatchUpPlan.Request, CatchUpPlan.Result, Int).self) { group in
            var plan = initial
            var running = 0
            var appended = 0
            while true {
                while running < parallel, !Task.isCancelled, let r = plan.next() {
                    group.addTask { await self.fetch(r) }
                    running += 1
                }
                guard let (request, result, n) = await group.next() else { break }
                running -= 1
                appended += n
                plan.completed(request, result)
            }
            return (plan, appended)
        }
    }

    private func finish(_ report: CatchUpReport, _ began: Instant) {
        var report = report
        report.seconds = clock.now.since(began).seconds
        lastRound = report
        if report.appended > 0 || !report.excluded.isEmpty || !report.unavailable.isEmpty {
            logger.info("catch-up: \(report.appended) of \(report.missing) missing records fetched from \(report.peersAsked) peers in \(String(format: "%.2f", report.seconds)) s; excluded \(report.excluded); unavailable \(report.unavailable)")
        }
    }

    /// A peer's heads for `topics`; nil when it does not speak sync or does not answer in time.
    nonisolated func status(of peer: PeerID, topics: [String]) async -> [P2pmq_Sync_StreamHead]? {
        do {
            let stream = try await openStream(to: peer)
            var request = P2pmq_Sync_SyncRequest()
            request.status = .with { $0.topics = topics }
            try await stream.writeMessage(try request.serializedBytes())
            await stream.close()
            let watchdog = StallWatchdog(limit: options.stallTimeout) { await stream.reset() }
            defer { watchdog.cancel() }
            guard let bytes = try await stream.readMessage(maxLength: 16 << 20) else { return nil }
            return try P2pmq_Sync_StatusResponse(serializedBytes: bytes).heads
        } catch {
            logger.debug("no sync status from \(peer): \(error)")
            return nil
        }
    }

    private nonisolated func openStream(to peer: PeerID) async throws -> MuxedStream {
        guard let connection = host.connections(to: peer).first else { throw HostError(.closed, "not connected to \(peer)") }
        return try await withTimeout(options.stallTimeout) { try await connection.openStream([SyncProtocol.id]) }
    }

    /// Sends one range request and takes in its answer. Returns what the plan should learn and
    /// how many records were appended.
    nonisolated func fetch(_ request: CatchUpPlan.Request) async -> (CatchUpPlan.Request, CatchUpPlan.Result, Int) {
        let peer = request.peer
        let began = clock.now
        var records: [(seq: UInt64, id: String, data: [UInt8])] = []
        var lacking = SeqRanges()
        var violation: RangeReceiver.Violation?
        var exclude = false
        do {
            guard let peerID = try? PeerID(request.peer) else { throw HostError(.closed, "bad peer id") }
            let stream = try await openStream(to: peerID)
            var message = P2pmq_Sync_SyncRequest()
            message.range = .with {
                $0.topic = request.stream.topic
                $0.don = request.stream.don
                $0.startSeq = request.start
                $0.count = request.count
            }
            try await stream.writeMessage(try message.serializedBytes())
            await stream.close()
            var receiver = RangeReceiver(start: request.start, count: request.count)
            let watchdog = StallWatchdog(limit: options.stallTimeout) { await stream.reset() }
            defer { watchdog.cancel() }
            reading: while true {
                let bytes: [UInt8]?
                do { bytes = try await stream.readMessage(maxLength: maxRecordBytes + 4096) } catch {
                    if watchdog.didFire { throw TimeoutError() }
                    throw error
                }
                watchdog.progress()
                guard let bytes else {
                    logger.info("sync: \(peer) ended its range response early; asking others")
                    exclude = true
                    break
                }
                let frame: SyncProtocol.Frame
                do { frame = try SyncProtocol.Frame(serializedBytes: bytes) } catch {
                    violation = .init(code: "sync_malformed", detail: "a range frame does not decode")
                    break
                }
                do {
                    switch try receiver.receive(frame) {
                    case .record(let seq, let id, let data): records.append((seq, id, data))
                    case .gap(let range, _): lacking.insert(range)
                    case .end(_, let refused):
                        if let refused { logger.debug("sync: \(peer) refused \(request.stream) from \(request.start): \(refused.status) \(refused.error)") }
                        break reading
                    }
                } catch let v {
                    violation = v
                    break
                }
            }
            if violation != nil || exclude { await stream.reset() }
        } catch is TimeoutError {
            logger.info("sync: \(peer) stalled serving \(request.stream) from \(request.start); asking others")
            exclude = true
        } catch {
            logger.debug("sync: range request to \(peer) failed: \(error)")
            exclude = true
        }
        metrics.synced("fetched", records.count)
        let read = clock.now

        let checks = await checkAll(records, stream: request.stream, peer: peer)
        logger.debug("sync: \(request.stream) \(request.start)+\(request.count) from \(peer): \(records.count) records, \(lacking.count) declared missing; read in \(String(format: "%.3f", read.since(began).seconds)) s, checked in \(String(format: "%.3f", clock.now.since(read).seconds)) s")
        // What to keep, what is covered, who forged what: Core's `RangeJudgement`.
        let store = self.store, stream = request.stream
        var judgement = RangeJudgement(
            records: records.map { RangeJudgement.Record(seq: $0.seq, messageID: $0.id, data: $0.data) }, checks: checks,
            storedDigests: { seq in ((try? store.reports(topic: stream.topic, don: stream.don, seq: seq)) ?? []).map(\.digest) })
        lacking.formUnion(judgement.lacking)
        let now = WallClock.nanoseconds()
        var items = judgement.keep.map { k in
            var item = AppendItem(
                record: LogRecord(topic: stream.topic, messageID: k.record.messageID, receivedAt: now, from: peer, don: stream.don,
                                  seq: k.record.seq, verdict: k.equivocation ? .ignore : .accept, reason: k.equivocation ? "equivocation" : "synced",
                                  data: k.record.data),
                reportDigest: k.digest)
            if stream.topic == registryTopic, !k.equivocation { item.registryVersion = k.record.seq }
            return item
        }
        if let e = judgement.evidence {
            items.append(AppendItem(record: LogRecord(topic: stream.topic, messageID: e.messageID, receivedAt: now, from: peer, don: stream.don,
                                                      seq: e.seq, verdict: .reject, reason: e.reason, data: e.data)))
        }
        var appendedRecords: [LogRecord] = []
        if !items.isEmpty {
            do {
                let outcomes = try await store.append(items)
                for (item, outcome) in zip(items, outcomes) where item.record.verdict != .reject {
                    judgement.appended(item.record.seq)
                    if case .appended(let offset) = outcome, item.record.verdict == .accept {
                        var r = item.record
                        r.offset = offset
                        appendedRecords.append(r)
                    }
                }
            } catch {
                logger.error("sync: appending \(items.count) fetched records failed: \(error)")
            }
        }
        metrics.synced("appended", appendedRecords.count)
        metrics.synced("ignored", judgement.ignored)
        metrics.synced("forged", judgement.forged)
        if !appendedRecords.isEmpty { await node?.deliverSynced(appendedRecords) }
        if let penalty = judgement.penalty {
            exclude = true
            await node?.syncPenalty(peer: peer, topic: stream.topic, messageID: judgement.evidence?.messageID ?? "", code: penalty.code, detail: penalty.detail)
        }
        if let violation {
            exclude = true
            await node?.syncPenalty(peer: peer, topic: stream.topic, messageID: "", code: violation.code, detail: violation.detail)
        }
        let covered = judgement.covered
        return (request, CatchUpPlan.Result(covered: covered, lacking: lacking, excludePeer: exclude), appendedRecords.count)
    }

    /// Runs the checker over the records on all cores, keeping their order.
    private nonisolated func checkAll(_ records: [(seq: UInt64, id: String, data: [UInt8])], stream: CatchUpPlan.Stream, peer: String) async -> [SyncCheck] {
        guard !records.isEmpty else { return [] }
        // Many checks in flight: most of a check is the round trip to the validator process,
        // which a busy machine stretches to tens of ms (a partition's backlog took 15 s to check
        // two at a time). Registry records go one by one: each may change the next one's judge.
        let width = stream.topic == registryTopic ? 1 : 32
        let chunk = (records.count + width - 1) / width
        return await withTaskGroup(of: (Int, [SyncCheck]).self) { group in
            for start in stride(from: 0, to: records.count, by: chunk) {
                let slice = records[start..<min(start + chunk, records.count)]
                group.addTask {
                    var out: [SyncCheck] = []
                    out.reserveCapacity(slice.count)
                    guard let node = self.node else { return (start, slice.map { _ in SyncCheck.ignore("node stopped") }) }
                    for r in slice { out.append(await node.checkSynced(topic: stream.topic, don: stream.don, seq: r.seq, messageID: r.id, data: r.data, peer: peer)) }
                    return (start, out)
                }
            }
            var parts: [(Int, [SyncCheck])] = []
            for await p in group { parts.append(p) }
            return parts.sorted { $0.0 < $1.0 }.flatMap(\.1)
        }
    }

    // MARK: serving

    nonisolated func serve(_ stream: MuxedStream) async {
        let peer = stream.remotePeer.description
        do {
            let watchdog = StallWatchdog(limit: options.stallTimeout) { await stream.reset() }
            let first = try await stream.readMessage(maxLength: SyncProtocol.maxRequestBytes)
            watchdog.cancel()
            guard let bytes = first else { return await stream.close() }
            let request = try P2pmq_Sync_SyncRequest(serializedBytes: bytes)
            switch request.kind {
            case .status(let s):
                var response = P2pmq_Sync_StatusResponse()
                response.heads = try store.extents(topics: s.topics.isEmpty ? nil : s.topics).map { e in
                    .with {
                        $0.topic = e.topic
                        $0.don = e.don
                        $0.headSeq = e.headSeq
                        $0.firstSeq = e.firstSeq
                        $0.logLength = e.logLength
                    }
                }
                try await stream.writeMessage(try response.serializedBytes())
            case .range(let r):
                guard await admit(peer) else {
                    try await stream.writeMessage(try SyncProtocol.end(.busy, next: r.startSeq, "more than \(options.maxConcurrentServes) range requests at once").serializedBytes())
                    return await stream.close()
                }
                defer { Task { await self.release(peer) } }
                try await send(RangeServer(store: store).answer(r), to: stream, peer: peer)
            case nil:
                try await stream.writeMessage(try SyncProtocol.end(.badRequest, next: 0, "empty request").serializedBytes())
            }
            await stream.close()
        } catch {
            logger.debug("sync: serving \(peer) failed: \(error)")
            await stream.reset()
        }
    }

    /// Writes an answer's frames, a batch at a time, pacing records by the peer's token bucket.
    private nonisolated func send(_ answer: RangeServer.Answer, to stream: MuxedStream, peer: String) async throws {
        for problem in answer.corrupt { logger.error("sync: skipped a damaged record while serving \(peer): \(problem)") }
        metrics.synced("corrupt_skipped", answer.corrupt.count)
        metrics.synced("served", answer.records)
        var batch: [UInt8] = []
        var records = 0
        func flush() async throws {
            guard !batch.isEmpty else { return }
            let wait = await reserve(peer, records)
            if wait > .zero { try await Task.sleep(for: wait) }
            try await stream.write(batch)
            batch.removeAll(keepingCapacity: true)
            records = 0
        }
        for frame in answer.frames {
            batch += LengthPrefixedReader.frame(try frame.serializedBytes())
            if case .record = frame.kind { records += 1 }
            if records >= 64 || batch.count >= 256 << 10 { try await flush() }
        }
        try await flush()
    }

    private func admit(_ peer: String) -> Bool { admission.admit(peer) }

    private func release(_ peer: String) { admission.release(peer) }

    /// How long to wait before sending `n` more records to `peer`.
    private func reserve(_ peer: String, _ n: Int) -> Duration { admission.reserve(peer, records: n, now: clock.now) }
}
