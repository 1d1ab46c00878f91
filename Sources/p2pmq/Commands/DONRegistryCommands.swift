import ArgumentParser
import DON
import Foundation
import Store
import Wire

extension DONCommand {
    struct GenesisFile: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "genesis",
            abstract: "Write a network's genesis file from DON folders or configs.",
            discussion: """
                The genesis file lists the initial config of every DON in the network and the topic \
                their config updates travel on. Give it to every agent (`dons:` in its config) and \
                validator (--dons).
                """)

        @Argument(help: "DON folders (from `don init`) or don.json files.") var dons: [String]
        @Option(help: "Write the genesis file here.") var out: String
        @Option(name: .customLong("registry-topic"), help: "Topic of config updates.") var registryTopic = Genesis.defaultRegistryTopic

        func run() throws {
            let configs = try dons.map { path in
                try DONConfig.load(path: path.hasSuffix(".json") ? path : DONDirectory(path: path).configPath)
            }
            guard Set(configs.map(\.id)).count == configs.count else { throw ValidationError("two of the DONs have the same id") }
            let genesis = Genesis(registryTopic: registryTopic, dons: configs)
            guard FileManager.default.createFile(atPath: out, contents: genesis.json()) else { throw ValidationError("cannot write \(out)") }
            print("genesis \(out): \(configs.count) DONs (\(configs.map(\.id).joined(separator: ", "))), registry topic \(registryTopic)")
        }
    }

    struct Rotate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a DON's next config (new keys) and the config update that installs it.",
            discussion: """
                Writes a new DON folder (--out) with fresh signer keys, its version, and update.bin: a \
                ConfigUpdate signed by a quorum of the current config (--don), naming the current \
                config's digest and the seq from which reports are judged by the new config. Publish \
                update.bin on the registry topic (`p2pmq publish --topic p2pmq/registry --file \
                OUT/update.bin`); every agent checks the signatures against the current config and \
                applies it from --effective-seq on. Reports with an earlier seq still need the old keys.
                """)

        @Option(name: .customLong("don"), help: "The DON's current folder.") var donDir: String
        @Option(help: "Folder for the new config and keys.") var out: String
        @Option(name: .customLong("effective-seq"), help: "First report seq judged by the new config.") var effectiveSeq: UInt64
        @Option(help: "Signers of the new config (default: as many as now).") var nodes: Int?
        @Option(help: "Quorum rule of the new config (default: the current one).") var quorum: String?
        @Option(help: "Current signers who sign the update, comma-separated (default: a quorum from 0).") var signers: SignerList?

        func run() throws {
            let dir = DONDirectory(path: donDir)
            let current = try dir.config()
            let rule = try quorum.map { text in
                guard let r = QuorumRule(text: text) else { throw ValidationError("--quorum must be n-f, f+1 or 2f+1") }
                return r
            } ?? current.quorum
            let indexes = signers?.indexes
            let (next, update) = try dir.rotate(to: out, nodes: nodes ?? current.signers.count, quorum: rule, effectiveSeq: effectiveSeq, signers: indexes)
            print("DON \(next.id) v\(update.version): \(next.signers.count) signers, quorum \(next.requiredSignatures) (\(rule.rawValue)), from seq \(effectiveSeq)")
            print("config digest \(Hex.encode(next.digest)); signed by \(update.signatures.count) signers of v\(update.version - 1)")
            print("update: \(DONDirectory(path: out).updatePath)")
        }
    }
}
