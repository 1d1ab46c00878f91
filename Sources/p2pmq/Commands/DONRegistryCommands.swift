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

                An ocr2-evm DON's next config is its contract's next ConfigSet: --configset FILE \
                (the event's fields as JSON, as for import-ocr2; no keys are written), or fresh \
                secp256k1 keys with the next configCount on the same chain and contract. Its \
                effective seq is the config's first, (configCount - 1) << 40 (--effective-seq is \
                then not needed). The update is signed with the current signers' secp256k1 keys.
                """)

        @Option(name: .customLong("don"), help: "The DON's current folder.") var donDir: String
        @Option(help: "Folder for the new config and keys.") var out: String
        @Option(name: .customLong("effective-seq"), help: "First report seq judged by the new config (ed25519 DONs).") var effectiveSeq: UInt64?
        @Option(name: .customLong("configset"), help: "ocr2-evm: the contract's next ConfigSet (JSON fields).") var configSet: String?
        @Option(help: "Signers of the new config (default: as many as now).") var nodes: Int?
        @Option(help: "Quorum rule of the new config (default: the current one).") var quorum: String?
        @Option(help: "Current signers who sign the update, comma-separated (default: a quorum from 0).") var signers: SignerList?

        func run() throws {
            let dir = DONDirectory(path: donDir)
            let current = try dir.config()
            let rule = try quorum.map { text in
                guard let r = QuorumRule(text: text) else { throw ValidationError("--quorum must be one of \(QuorumRule.names)") }
                return r
            } ?? current.quorum
            let indexes = signers?.indexes
            var imported: OCR2Config?
            if let configSet {
                guard let data = FileManager.default.contents(atPath: configSet) else { throw ValidationError("cannot read \(configSet)") }
                do { imported = try OCR2Config(configSetJSON: data) } catch let e as DONError { throw ValidationError("\(configSet): \(e.message)") }
            }
            guard current.evm != nil || effectiveSeq != nil else { throw ValidationError("--effective-seq is needed for an ed25519 DON") }
            let (next, update) = try dir.rotate(to: out, nodes: nodes ?? current.signers.count, quorum: rule, effectiveSeq: effectiveSeq ?? 0,
                                                signers: indexes, configSet: imported)
            print("DON \(next.id) v\(update.version): \(next.signers.count) signers, quorum \(next.requiredSignatures) (\(rule.rawValue)), from seq \(update.effectiveSeq)")
            print("config digest \(Hex.encode(next.digest)); signed by \(update.signatures.count) signers of v\(update.version - 1)")
            print("update: \(DONDirectory(path: out).updatePath)")
        }
    }
}
