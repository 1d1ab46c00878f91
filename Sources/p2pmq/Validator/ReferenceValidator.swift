import Agent
import AgentAPI
import DON
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import NIOConcurrencyHelpers
import Wire

/// The reference validator as a gRPC client of an agent: judges every message the agent streams
/// on `Batch.Validate` (or `ValidationRouter.Handle`, from a Go agent) with the quorum rule of the DON's config for that seq and the
/// sequence rules against the agent's view sent along (`Message.context`), and follows the DONs'
/// config chain on the registry topic through `MsgRouter.Listen`. Reconnects when the agent goes
/// away, so it can be started before the agent and outlive its restarts.
final class ReferenceValidator: Sendable {
    struct Tally: Sendable {
        var byVerdict: [String: Int] = [:]
        var rejectReasons: [String: Int] = [:]
        var registryUpdates = 0
        var connections = 0
        var total: Int { byVerdict.values.reduce(0, +) }
    }

    let address: GRPCAddress
    let genesis: Genesis
    let concurrency: Int
    let log: @Sendable (String) -> Void
    private let registry: NIOLockedValueBox<DONRegistry>
    /// Heads and digests from this validator's own verdicts, for an agent that sends no context
    /// (the Go p2pmq agent).
    private let ownState = NIOLockedValueBox(MemorySequenceState())
    let tally = NIOLockedValueBox(Tally())

    init(address: GRPCAddress, genesis: Genesis, concurrency: Int, log: @escaping @Sendable (String) -> Void) {
        self.address = address
        self.genesis = genesis
        self.concurrency = max(1, concurrency)
        self.log = log
        registry = NIOLockedValueBox(genesis.registry)
    }

    /// Runs until cancelled: connect, follow the registry, judge; on a lost connection wait and
    /// connect again (1 s doubling to 10 s).
    func run() async {
        var delay = Duration.seconds(1)
        while !Task.isCancelled {
            let began = ContinuousClock.now
            do {
                try await withGRPCClient(transport: try address.clientTransport()) { client in
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask { try await self.followRegistry(Proto_MsgRouter.Client(wrapping: client)) }
                        group.addTask { try await self.validate(client) }
                        try await group.next()
                        group.cancelAll()
                    }
                }
            } catch is CancellationError {
                return
            } catch {
                if Task.isCancelled { return }
                log("validator: connection to \(address) ended: \(Self.describe(error)); retrying in \(delay)")
            }
            if ContinuousClock.now - began > .seconds(10) { delay = .seconds(1) }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(10))
        }
    }

    /// Applies every config update the agent accepted, from the start of the registry topic on.
    private func followRegistry(_ router: Proto_MsgRouter.Client<HTTP2ClientTransport.Posix>) async throws {
        let topic = genesis.registryTopic
        func follow(_ request: Proto_ListenRequest) async throws {
            try await router.listen(request) { response in
                for try await m in response.messages { self.applyUpdate(Array(m.data)) }
            }
        }
        do {
            try await follow(.with { $0.topics = [topic]; $0.startOffset = 0 })
        } catch let e as RPCError where e.code == .notFound {
            // No update stored yet: follow live ones.
            try await follow(.with { $0.topics = [topic] })
        } catch let e as RPCError where e.code == .unimplemented {
            // A replay endpoint (`p2pmq replay --serve`) serves ValidationRouter only.
            log("validator: \(address) serves no MsgRouter (a replay?): judging with the genesis configs only")
            while !Task.isCancelled { try await Task.sleep(for: .seconds(3600)) }
        }
        // The agent ended the stream (shutdown): end this connection too.
        throw RPCError(code: .unavailable, message: "the agent ended the registry stream")
    }

    private func applyUpdate(_ data: [UInt8]) {
        guard let update = ConfigUpdateCheck.decode(data) else {
            log("validator: an accepted message on \(genesis.registryTopic) is not a ConfigUpdate; ignored")
            return
        }
        let outcome = registry.withLockedValue { $0.apply(update) }
        switch outcome {
        case .extends(let e):
            tally.withLockedValue { $0.registryUpdates += 1 }
            log("validator: DON \(e.config.id) config v\(e.version) applies from seq \(e.effectiveSeq)")
        case .known: break
        case .ahead(let why), .invalid(let why):
            log("validator: config update \(update.donID) v\(update.version) not applied: \(why)")
        }
    }

    /// Our agents (and `p2pmq replay --serve`) serve `Batch.Validate`, many messages per frame; a
    /// Go agent does not, and gets `ValidationRouter.Handle`.
    private func validate(_ client: GRPCClient<HTTP2ClientTransport.Posix>) async throws {
        do {
            try await handleBatches(Proto_Batch.Client(wrapping: client))
        } catch let e as RPCError where e.code == .unimplemented {
            log("validator: \(address) serves no Batch.Validate (a Go agent?): one message per frame")
            try await handle(Proto_ValidationRouter.Client(wrapping: client))
        }
    }

    /// Judges the batches the agent streams; a batch is split across the cores (at most
    /// `concurrency` parts at once), each part answered as one batch of verdicts.
    private func handleBatches(_ batch: Proto_Batch.Client<HTTP2ClientTransport.Posix>) async throws {
        tally.withLockedValue { $0.connections += 1 }
        log("validator: asking \(address) for messages to judge (Batch.Validate)")
        let (verdicts, sink) = AsyncStream.makeStream(of: Proto_ValidatedMessageBatch.self)
        let parts = max(1, ProcessInfo.processInfo.activeProcessorCount)
        try await batch.validate { writer in
            for await v in verdicts { try await writer.write(v) }
        } onResponse: { response in
            try await withThrowingTaskGroup(of: Void.self) { group in
                var running = 0
                for try await b in response.messages {
                    let messages = b.messages
                    let size = max(1, (messages.count + parts - 1) / parts)
                    for start in stride(from: 0, to: messages.count, by: size) {
                        if running >= self.concurrency {
                            try await group.next()
                            running -= 1
                        }
                        let part = messages[start..<min(start + size, messages.count)]
                        group.addTask {
                            var out = Proto_ValidatedMessageBatch()
                            for m in part { out.verdicts.append(await self.judge(m)) }
                            sink.yield(out)
                        }
                        running += 1
                    }
                }
                try await group.waitForAll()
            }
            sink.finish()
        }
        throw RPCError(code: .unavailable, message: "the agent ended the validation stream")
    }

    private func handle(_ router: Proto_ValidationRouter.Client<HTTP2ClientTransport.Posix>) async throws {
        tally.withLockedValue { $0.connections += 1 }
        log("validator: asking \(address) for messages to judge (ValidationRouter.Handle)")
        let (verdicts, sink) = AsyncStream.makeStream(of: Proto_ValidatedMessage.self)
        try await router.handle { writer in
            for await v in verdicts { try await writer.write(v) }
        } onResponse: { response in
            try await withThrowingTaskGroup(of: Void.self) { group in
                var running = 0
                for try await m in response.messages {
                    if running >= self.concurrency {
                        try await group.next()
                        running -= 1
                    }
                    group.addTask { sink.yield(await self.judge(m)) }
                    running += 1
                }
                try await group.waitForAll()
            }
            sink.finish()
        }
        throw RPCError(code: .unavailable, message: "the agent ended the validation stream")
    }

    /// One verdict. Waits (up to 2 s) for config updates the agent applied before the message
    /// arrived, so a report under a fresh config is not judged by the old one.
    func judge(_ m: Proto_Message) async -> Proto_ValidatedMessage {
        let wanted = m.context.registryVersion
        var waited = 0
        while registry.withLockedValue({ $0.appliedUpdates }) < wanted, waited < 200 {
            try? await Task.sleep(for: .milliseconds(10))
            waited += 1
        }
        let registry = self.registry.withLockedValue { $0 }
        var result = Proto_ValidatedMessage()
        result.msg = .with { $0.messageID = m.messageID; $0.topic = m.topic }
        if registry.appliedUpdates < wanted {
            result.result = .ignore
            result.reason = "registry_behind: the agent applied \(wanted) config updates, this validator \(registry.appliedUpdates)"
            count(result)
            return result
        }
        let verifier = ReportVerifier(registry: registry)
        let data = Array(m.data)
        // Freshness is judged at the message's arrival (replays send the recorded one: the same
        // log gets the same verdicts), else now.
        let now = UInt64(m.receivedNs > 0 ? m.receivedNs : Int64(clamping: WallClock.nanoseconds())) / 1_000_000_000
        let decision: ReportDecision
        if m.context.historical {
            decision = verifier.verifyHistorical(data: data, topic: m.topic)
        } else if m.hasContext {
            let given = GivenSequenceState(head: m.context.hasHeadSeq ? m.context.headSeq : nil, storedDigests: m.context.storedDigests.map(Array.init))
            decision = (try? verifier.verify(data: data, topic: m.topic, state: given, now: now)) ?? ReportDecision(reason: .malformed, detail: "unreadable", don: "", seq: 0)
        } else {
            decision = ownState.withLockedValue { state in
                let d = (try? verifier.verify(data: data, topic: m.topic, state: state, now: now)) ?? ReportDecision(reason: .malformed, detail: "unreadable", don: "", seq: 0)
                state.record(d, topic: m.topic)
                return d
            }
        }
        switch decision.verdict {
        case .accept: result.result = .accept
        case .ignore: result.result = .ignore
        case .reject: result.result = .reject
        }
        // Every verdict says why: the agent records it with the message (and a REJECT's in the
        // sender's penalty).
        result.reason = "\(decision.reason.rawValue): \(decision.detail)"
        count(result, reason: decision.reason.rawValue)
        return result
    }

    private func count(_ v: Proto_ValidatedMessage, reason: String? = nil) {
        tally.withLockedValue { t in
            t.byVerdict[Self.name(v.result), default: 0] += 1
            if v.result == .reject { t.rejectReasons[reason ?? v.reason, default: 0] += 1 }
        }
    }

    static func name(_ r: Proto_ValidationResult) -> String {
        switch r {
        case .accept: "ACCEPT"
        case .ignore: "IGNORE"
        case .reject: "REJECT"
        default: "NIL"
        }
    }

    static func describe(_ error: Error) -> String {
        if let e = error as? RPCError { return "\(e.code): \(e.message)" }
        return "\(error)"
    }
}
