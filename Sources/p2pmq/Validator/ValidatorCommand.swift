import Agent
import ArgumentParser
import DON
import Foundation
import Store

/// `p2pmq validator`: the reference validator, a gRPC client of an agent.
struct ValidatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validator",
        abstract: "Judge an agent's messages as the reference DON validator (a gRPC client of the agent).",
        discussion: """
            Connects to the agent's Batch.Validate (many messages per frame; ValidationRouter.Handle on a Go agent, which has no Batch service) and answers every message it streams: \
            ACCEPT, IGNORE or REJECT by the quorum rule of the DON config that applies to the \
            report's seq and by the sequence rules (docs/DON.md), judged against the head and \
            stored digests the agent sends with each message. A REJECT carries its reason \
            (e.g. "insufficient_quorum: 2 signatures, quorum is 3 of 4"), which the agent records \
            in the sender's penalty. Config updates that the agent accepts on the registry topic \
            are followed through MsgRouter.Listen, so keys rotate here when they rotate there.

            Keeps reconnecting when the agent is not (yet) there. Prints a progress line every \
            --progress seconds and a summary on SIGINT/SIGTERM (--json: one JSON object). \
            Works with `p2pmq replay --serve ADDR` as well as with a running agent.
            """)

    @Option(help: "The agent's gRPC address, host:port or unix:/path.") var agent = "127.0.0.1:8001"
    @Option(help: ArgumentHelp("Genesis file or DON config (don.json); repeat for several.", valueName: "file")) var dons: [String] = []
    @Option(help: "Messages judged at once (signature checks use this many cores).") var concurrency = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Seconds between progress lines on stderr (0: none).") var progress = 10.0
    @Flag(help: "Print the summary as one JSON object.") var json = false

    func validate() throws {
        guard !dons.isEmpty else { throw ValidationError("give the network's genesis file (or DON configs) with --dons FILE") }
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
    }

    func run() async throws {
        let genesis: Genesis
        do { genesis = try Genesis.load(paths: dons) } catch let e as DONError { throw ValidationError(e.message) }
        guard let address = GRPCAddress(agent) else { throw ValidationError("--agent \(agent) is not host:port or unix:/path") }
        let validator = ReferenceValidator(address: address, genesis: genesis, concurrency: concurrency) { line in
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        note("validator: \(genesis.dons.count) DONs (\(genesis.dons.map(\.id).joined(separator: ", "))), registry topic \(genesis.registryTopic); agent \(agent)")
        let signals = await SignalWaiter.trapping()
        let interval = progress
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await validator.run() }
            group.addTask { await signals.wait() }
            if interval > 0 {
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: .seconds(interval))
                        if Task.isCancelled { return }
                        let t = validator.tally.withLockedValue { $0 }
                        note("validator: \(t.total) judged: \(Self.verdicts(t))")
                    }
                }
            }
            await group.next()
            group.cancelAll()
        }
        let t = validator.tally.withLockedValue { $0 }
        if json {
            var l = JSONLine()
            l.add("judged", t.total)
            for v in ["ACCEPT", "IGNORE", "REJECT"] { l.add(v.lowercased(), t.byVerdict[v] ?? 0) }
            l.addRaw("reject_reasons", "{" + t.rejectReasons.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",") + "}")
            l.add("registry_updates", t.registryUpdates)
            l.add("connections", t.connections)
            print(l.text)
        } else {
            print("judged \(t.total): \(Self.verdicts(t)); config updates applied: \(t.registryUpdates)")
            for (reason, n) in t.rejectReasons.sorted(by: { $0.value > $1.value }) { print("  REJECT \(reason): \(n)") }
        }
    }

    static func verdicts(_ t: ReferenceValidator.Tally) -> String {
        ["ACCEPT", "IGNORE", "REJECT"].map { "\(t.byVerdict[$0] ?? 0) \($0)" }.joined(separator: ", ")
    }
}
