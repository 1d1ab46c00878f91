import Wire
import Store
import ArgumentParser
import DON
import Foundation

struct DONCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "don",
        abstract: "Create and inspect DON signing configurations, genesis files and key rotations.",
        subcommands: [Init.self, Import.self, ImportOCR2.self, Show.self, GenesisFile.self, Rotate.self])

    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a new DON config (don.json) and its signers' private keys into a folder.",
            discussion: "For tests and local devnets: real DONs keep each signer's key on its own node.")

        @Option(help: "The DON id.") var id: String
        @Option(help: "Number of signers.") var nodes: Int
        @Option(help: "Folder to write into.") var out: String
        @Option(help: "ed25519 (our signed envelope), ocr2-evm (OCR2 transmit calldata, secp256k1 keys, a ConfigSet-shaped config), ocr3-evm (OCR3 commit calldata, seq = seqNr), datastreams (Data Streams signed reports, a v0.3 Verifier config) or keystone (KeystoneForwarder report calldata, donId 1 config version 1).")
        var scheme = "ed25519"
        @Option(help: "Quorum rule: n-f (ed25519 default), f+1 (EVM default; datastreams and keystone take only f+1), 2f+1 or unique ((n+f)/2+1).") var quorum: String?
        @Option(name: .customLong("chain-id"), help: "ocr2-evm: the chain id of the config.") var chainID: UInt64 = 1337
        @Option(help: "ocr2-evm: the OCR2 contract's address (default: a random one).") var contract: String?
        @Option(help: "Sequence skip threshold.") var skip: UInt64 = 10
        @Option(help: "Sequence validity threshold (greater than --skip).") var validity: UInt64 = 100
        @Option(name: .customLong("max-seq-gap"), help: "Largest realistic jump ahead of the head.") var maxSeqGap: UInt64 = 1000
        @Flag(help: "Print the result as JSON.") var json = false

        var reportScheme: ReportScheme? { ReportScheme(rawValue: scheme) }

        func validate() throws {
            guard let reportScheme else { throw ValidationError("--scheme must be one of \(ReportScheme.names)") }
            guard (1...1024).contains(nodes) else { throw ValidationError("--nodes must be 1 to 1024") }
            if reportScheme.isEVM, !(4...31).contains(nodes) { throw ValidationError("--nodes must be 4 to 31 for \(scheme) (f >= 1, 3f < n, at most 31 oracles)") }
            if let quorum, QuorumRule(text: quorum) == nil { throw ValidationError("--quorum must be one of \(QuorumRule.names)") }
            if let contract { do { _ = try EVMAddress(hex: contract) } catch let e as DONError { throw ValidationError("--contract: \(e.message)") } }
        }

        func run() throws {
            let scheme = reportScheme!
            let rule = quorum.flatMap(QuorumRule.init(text:)) ?? (scheme.isEVM ? .fPlusOne : .default)
            let (config, _) = try DONDirectory.create(
                at: out, id: id, nodes: nodes, quorum: rule,
                thresholds: SequenceThresholds(skip: skip, validity: validity, maxSeqGap: maxSeqGap),
                scheme: scheme, chainID: chainID, contract: try contract.map(EVMAddress.init(hex:)))
            printSummary(config, path: out, json: json)
        }
    }

    /// What both import commands take besides the family.
    struct ImportOptions: ParsableArguments {
        @Argument(help: "The config event's fields (JSON).") var file: String
        @Option(help: "The DON id (names it in the registry, heads and history).") var id: String
        @Option(help: "Folder to write into.") var out: String
        @Option(help: "f+1 (default) or, for ocr2/ocr3, unique ((n+f)/2+1).") var quorum = "f+1"
        @Option(name: .customLong("max-age"), help: "Seconds after which a report is IGNOREd as expired (default: 300 for datastreams and keystone, none for ocr2/ocr3; 0: none).")
        var maxAge: UInt64?
        @Option(help: "Sequence skip threshold.") var skip: UInt64 = 10
        @Option(help: "Sequence validity threshold (greater than --skip).") var validity: UInt64 = 100
        @Option(name: .customLong("max-seq-gap"), help: "Largest realistic jump ahead of the head.") var maxSeqGap: UInt64 = 1000
        @Flag(help: "Print the result as JSON.") var json = false

        func validate() throws {
            guard let rule = QuorumRule(text: quorum), [.fPlusOne, .unique].contains(rule) else { throw ValidationError("--quorum must be f+1 or unique") }
        }

        /// Reads the config event, checks its digest and writes DIR/don.json for `scheme`.
        func run(scheme: ReportScheme) throws {
            guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(file)") }
            let config: DONConfig
            do {
                config = try DONConfig(id: id, evm: try EVMContract(scheme: scheme, configSetJSON: data), quorum: QuorumRule(text: quorum)!,
                                       thresholds: SequenceThresholds(skip: skip, validity: validity, maxSeqGap: maxSeqGap), maxAge: maxAge)
            } catch let e as DONError { throw ValidationError("\(file): \(e.message)") }
            try DONDirectory.write(config, at: out)
            printSummary(config, path: DONDirectory(path: out).configPath, json: json)
        }
    }

    static let importDiscussion = """
        FILE holds the event's fields as JSON: chainId (number or decimal string), \
        contractAddress, configCount, signers and transmitters (0x addresses, checksummed \
        or lower case), f, onchainConfig and offchainConfig (0x hex), \
        offchainConfigVersion, and optionally configDigest. The config digest is computed \
        as the contracts do (keccak256 of their ABI encoding, EVM prefix 0x0001); a \
        configDigest in the file that differs is refused, with both. Writes DIR/don.json \
        (no keys: they stay on the DON's nodes).
        """

    static let otherFamilies = """
        datastreams: the llo-feeds Verifier's ConfigSet. v0.5: configDigest, signers, f (the \
        digest is taken as given; its prefix must be 0x0006 or 0x0009), optionally donId (LLO). \
        v0.3: also feedId, chainId, contractAddress (the Verifier), configCount, \
        offchainTransmitters (bytes32 values), onchainConfig, offchainConfigVersion, \
        offchainConfig: the digest is recomputed as the v0.3 Verifier does (prefix 0x0006) \
        and a differing configDigest is refused with both. Reports carry exactly f+1 \
        signatures; seq = the OCR3 seqNr (epoch << 8 | round).

        keystone: the KeystoneForwarder's ConfigSet: donId, configVersion, f, signers. \
        Reports name it by config id donId << 32 | configVersion in their metadata and carry \
        exactly f+1 signatures; seq = the OCR3 capability's seqNr (uint32).
        """

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a DON config from a contract's config event (--family ocr2, ocr3, datastreams or keystone).",
            discussion: "ocr2 and ocr3: " + DONCommand.importDiscussion + """


                ocr2: OCR2Base/OCR2Aggregator, reports are transmit calldata. ocr3: an OCR3 EVM \
                contract (the same ConfigSet shape and digest), reports are commit calldata whose \
                seq is the OCR3 seqNr.


                """ + DONCommand.otherFamilies)

        static let families: [String: ReportScheme] = ["ocr2": .ocr2EVM, "ocr3": .ocr3EVM, "datastreams": .dataStreams, "keystone": .keystone]

        @Option(help: "ocr2, ocr3, datastreams or keystone.") var family: String
        @OptionGroup var options: ImportOptions

        func validate() throws {
            guard Self.families[family] != nil else { throw ValidationError("--family must be ocr2, ocr3, datastreams or keystone") }
            if family == "datastreams" || family == "keystone", options.quorum != "f+1" {
                throw ValidationError("--quorum: \(family) reports carry exactly f+1 signatures; the quorum is f+1")
            }
        }

        func run() throws { try options.run(scheme: Self.families[family]!) }
    }

    struct ImportOCR2: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import-ocr2",
            abstract: "Make a DON config from an OCR2 contract's ConfigSet event (as `import --family ocr2`).",
            discussion: DONCommand.importDiscussion)

        @OptionGroup var options: ImportOptions

        func run() throws { try options.run(scheme: .ocr2EVM) }
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
    let signers = c.evm.map { $0.signers.map(\.description) } ?? c.signers.map { Data($0).base64EncodedString() }
    if json {
        var line = JSONLine()
        line.add("id", c.id)
        line.add("scheme", c.scheme.rawValue)
        line.addRaw("signers", "[" + signers.map(JSONLine.quote).joined(separator: ",") + "]")
        line.add("quorum", c.quorum.rawValue)
        line.add("required", c.requiredSignatures)
        line.add("digest", digest)
        line.add("config_digest", digest)
        if let evm = c.evm { line.add("f", Int(evm.f)) }
        if let o = c.ocr2 {
            line.add("configCount", o.configCount)
            line.add("chainId", "\(o.chainID)")
            line.add("contractAddress", o.contractAddress.description)
        }
        if case .dataStreams(let d) = c.evm {
            line.add("donId", Int(d.donID))
            if let s = d.source { line.add("feedId", "0x" + Hex.encode(s.feedID)) }
        }
        if case .keystone(let k) = c.evm {
            line.add("donId", Int(k.donID))
            line.add("configVersion", Int(k.configVersion))
            line.add("configId", k.configID)
        }
        if let age = c.effectiveMaxAge { line.add("maxAge", age) }
        line.add("path", path)
        print(line.text)
    } else {
        print("DON \(c.id) (\(c.scheme.rawValue)): \(c.signers.count) signers, quorum \(c.requiredSignatures) (\(c.quorum.rawValue))")
        print("config digest \(digest)")
        switch c.evm {
        case .ocr(let o, _): print("OCR contract \(o.contractAddress) on chain \(o.chainID), config \(o.configCount), f \(o.f)")
        case .dataStreams(let d): print("Data Streams Verifier config, f \(d.f)" + (d.source.map { ", feed 0x\(Hex.encode($0.feedID))" } ?? "") + (d.donID == 0 ? "" : ", LLO DON \(d.donID)"))
        case .keystone(let k): print("KeystoneForwarder config id \(k.configID) (donId \(k.donID), configVersion \(k.configVersion)), f \(k.f)")
        case nil: break
        }
        if c.evm != nil { print("signers \(signers.joined(separator: " "))") }
        if let age = c.effectiveMaxAge { print("reports older than \(age) s are expired") }
        print("thresholds: skip \(c.thresholds.skip), validity \(c.thresholds.validity), max seq gap \(c.thresholds.maxSeqGap)")
        print("files: \(path)")
    }
}
