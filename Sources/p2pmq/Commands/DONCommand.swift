import Wire
import Store
import ArgumentParser
import DON
import Foundation

struct DONCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "don",
        abstract: "Create and inspect DON signing configurations, genesis files and key rotations.",
        subcommands: [Init.self, Show.self, GenesisFile.self, Rotate.self])

    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a new DON config (don.json) and its signers' private keys into a folder.",
            discussion: "For tests and local devnets: real DONs keep each signer's key on its own node.")

        @Option(help: "The DON id.") var id: String
        @Option(help: "Number of signers.") var nodes: Int
        @Option(help: "Folder to write into.") var out: String
        @Option(help: "Quorum rule: n-f (default), f+1 or 2f+1.") var quorum = "n-f"
        @Option(help: "Sequence skip threshold.") var skip: UInt64 = 10
        @Option(help: "Sequence validity threshold (greater than --skip).") var validity: UInt64 = 100
        @Option(name: .customLong("max-seq-gap"), help: "Largest realistic jump ahead of the head.") var maxSeqGap: UInt64 = 1000
        @Flag(help: "Print the result as JSON.") var json = false

        func validate() throws {
            guard (1...1024).contains(nodes) else { throw ValidationError("--nodes must be 1 to 1024") }
            guard QuorumRule(text: quorum) != nil else { throw ValidationError("--quorum must be n-f, f+1 or 2f+1") }
        }

        func run() throws {
            let (config, _) = try DONDirectory.create(
                at: out, id: id, nodes: nodes, quorum: QuorumRule(text: quorum)!,
                thresholds: SequenceThresholds(skip: skip, validity: validity, maxSeqGap: maxSeqGap))
            printSummary(config, path: out, json: json)
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a DON config and its digest.")
        @Argument(help: "don.json or the folder holding it.") var path: String
        @Flag(help: "Print as JSON.") var json = false

        func run() throws {
            let file = path.hasSuffix(".json") ? path : DONDirectory(path: path).configPath
            printSummary(try DONConfig.load(path: file), path: file, json: json)
        }
    }
}

private func printSummary(_ c: DONConfig, path: String, json: Bool) {
    let digest = Hex.encode(c.digest)
    if json {
        var line = JSONLine()
        line.add("id", c.id)
        line.add("signers", c.signers.count)
        line.add("quorum", c.quorum.rawValue)
        line.add("required", c.requiredSignatures)
        line.add("config_digest", digest)
        line.add("path", path)
        print(line.text)
    } else {
        print("DON \(c.id): \(c.signers.count) signers, quorum \(c.requiredSignatures) (\(c.quorum.rawValue))")
        print("config digest \(digest)")
        print("thresholds: skip \(c.thresholds.skip), validity \(c.thresholds.validity), max seq gap \(c.thresholds.maxSeqGap)")
        print("files: \(path)")
    }
}
