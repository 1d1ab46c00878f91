import DON
import Foundation
import Wire

/// The devnet's folder: DONs (configs and signer keys), the genesis file, and a folder per node
/// with its agent config, data dir and logs. Everything a later `p2pmq history`/`audit`/`replay`
/// needs stays there after the run.
struct DevnetLayout {
    enum Role: Equatable {
        case member(don: String, index: Int)
        case byzantine
        case lateJoiner
        /// A `p2pmq-hostile` peer holding this DON's signer keys (not an agent).
        case hostile(don: String)
    }

    struct Node {
        let name: String
        let role: Role
        let dir: String
        let identity: PrivateKey
        /// Its test host (cluster mode): network namespace number `host` of cluster.sh.
        var host: Int?
        var peerID: String { identity.peerID.description }
        var configPath: String { dir + "/agent.yaml" }
        var dataDir: String { dir + "/data" }
        var honest: Bool {
            switch role {
            case .byzantine, .hostile: false
            default: true
            }
        }
        /// The DON it signs for, if it is a DON node.
        var don: String? {
            if case .member(let don, _) = role { return don }
            return nil
        }
    }

    struct DON {
        let config: DONConfig
        let keys: [SignerKey]
        var topic: String { config.id + "/reports" }
    }

    let dir: String
    let dons: [DON]
    let genesisPath: String
    var nodes: [Node]
    /// `../shared/netns/cluster.sh`: each node on its own test host (network namespace).
    var cluster: String?
    /// The agents' store durability (`sync` when agents are killed on purpose: an acknowledged
    /// report must then be on disk).
    var durability = "batched"

    func donDir(_ id: String) -> String { dir + "/dons/" + id }

    /// Where the node listens for peers: its test host's address, or loopback.
    func listenAddress(_ node: Node) -> String {
        guard let host = node.host else { return "/ip4/127.0.0.1/tcp/0" }
        return "/ip4/10.77.0.\(host)/tcp/4001"
    }

    /// Where its gRPC API is: a Unix socket in cluster mode, so the devnet reaches every agent
    /// whatever happens to the test hosts' network.
    func grpcAddress(_ node: Node) -> String {
        node.host == nil ? "127.0.0.1:0" : "unix:\(node.dir)/grpc.sock"
    }

    /// Runs `cluster.sh ARGS` (cut, heal) and waits for it.
    func clusterCommand(_ args: [String]) throws {
        guard let cluster else { return }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [cluster] + args
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw DevnetError("\(cluster) \(args.joined(separator: " ")) failed (status \(p.terminationStatus))") }
    }

    /// How to start a node's process: on its test host in cluster mode.
    func launch(_ node: Node, executable: String, arguments: [String]) -> (String, [String]) {
        guard let cluster, let host = node.host else { return (executable, arguments) }
        return ("/bin/bash", [cluster, "run", "\(host)", executable] + arguments)
    }

    /// Creates a fresh devnet folder (refuses a non-empty one that is not an earlier devnet).
    /// Sequence thresholds for a DON reporting `rate` times a second. A report that gossip brings
    /// late (IHAVE/IWANT covers the last 3 heartbeats, a validation may wait up to its 5 s timeout)
    /// must not look like a stale replay: validity covers 10 s of reports.
    static func thresholds(rate: Double) -> SequenceThresholds {
        let perSecond = UInt64(max(1, rate.rounded(.up)))
        return SequenceThresholds(skip: max(10, 2 * perSecond), validity: max(100, 10 * perSecond), maxSeqGap: max(1000, 100 * perSecond))
    }

    /// `schemes`: how the DONs sign (EVM families: contract configs with secp256k1 keys, quorum
    /// f+1; ed25519: our envelope, quorum n-f).
    static func create(dir: String, dons donCount: Int, nodes perDON: Int, byzantine: Int, lateJoiner: Bool, rate: Double, cluster: String? = nil, hostile: Int = 0,
                       schemes: DevnetSchemes = .one(.ocr2EVM)) throws -> DevnetLayout {
        let fm = FileManager.default
        let dir = URL(fileURLWithPath: dir).standardizedFileURL.path
        if fm.fileExists(atPath: dir) {
            let contents = (try? fm.contentsOfDirectory(atPath: dir)) ?? []
            guard contents.isEmpty || contents.contains("genesis.json") else {
                throw DevnetError("\(dir) exists and is not a devnet folder; choose another --dir")
            }
            try fm.removeItem(atPath: dir)
        }
        try fm.createDirectory(atPath: dir + "/nodes", withIntermediateDirectories: true)
        let thresholds = Self.thresholds(rate: rate)
        var dons: [DON] = []
        for i in 0..<donCount {
            let id = "don-" + String(UnicodeScalar(UInt8(97 + i)))
            let scheme = schemes.scheme(ofDON: i)
            let (config, keys) = try DONDirectory.create(at: "\(dir)/dons/\(id)", id: id, nodes: perDON, quorum: scheme.isEVM ? .fPlusOne : .default,
                                                         thresholds: thresholds, scheme: scheme)
            dons.append(DON(config: config, keys: keys))
        }
        let genesisPath = dir + "/genesis.json"
        guard fm.createFile(atPath: genesisPath, contents: Genesis(dons: dons.map(\.config)).json()) else {
            throw DevnetError("cannot write \(genesisPath)")
        }
        var nodes: [Node] = []
        func add(_ name: String, _ role: Role) throws {
            let nodeDir = "\(dir)/nodes/\(name)"
            try fm.createDirectory(atPath: nodeDir, withIntermediateDirectories: true)
            // Host 1 is left to the operator (e.g. a shell to look around); nodes from host 2.
            let host = cluster == nil ? nil : nodes.count + 2
            if host != nil, (nodeDir + "/grpc.sock").utf8.count > 100 {
                throw DevnetError("\(nodeDir)/grpc.sock is too long for a Unix socket path; choose a shorter --dir")
            }
            nodes.append(Node(name: name, role: role, dir: nodeDir, identity: PrivateKey.generate(), host: host))
        }
        for don in dons {
            for i in 0..<perDON { try add("\(don.config.id)-\(i)", .member(don: don.config.id, index: i)) }
        }
        for i in 0..<byzantine { try add("byz-\(i)", .byzantine) }
        if lateJoiner { try add("late-0", .lateJoiner) }
        for i in 0..<hostile { try add("hostile-\(i)", .hostile(don: dons[i % dons.count].config.id)) }
        return DevnetLayout(dir: dir, dons: dons, genesisPath: genesisPath, nodes: nodes, cluster: cluster)
    }

    var topics: [String] { dons.map(\.topic) }

    /// The agent config of `node`, dialing `bootstrappers` (their listen addresses with /p2p/).
    /// `pinned`: the addresses it had before a restart, so that peers and clients find it again.
    func writeConfig(_ node: Node, bootstrappers: [String], pinned: (listen: String, grpc: String)? = nil) throws {
        var y = """
            # p2pmq devnet node \(node.name) (\(Self.describe(node.role)))
            privateKey: \(Data(node.identity.protobuf).base64EncodedString())
            listenAddrs: [\(pinned?.listen ?? listenAddress(node))]
            grpc: \(pinned?.grpc ?? grpcAddress(node))
            dataDir: \(node.dataDir)
            store: {durability: \(durability)}
            connManager: {lowWaterMark: 64, highWaterMark: 128, gracePeriod: 1m}
            discovery:
              bootstrappers: [\(bootstrappers.joined(separator: ", "))]
            pubsub:
              topics: [\(topics.map { "{name: \($0)}" }.joined(separator: ", "))]

            """
        if node.honest {
            y += "dons: [\(genesisPath)]\n"
        } else {
            // The attacker forwards whatever it gets; its own sends are the attack.
            y += "validation: {whenNoValidator: accept}\n"
        }
        guard FileManager.default.createFile(atPath: node.configPath, contents: Data(y.utf8)) else {
            throw DevnetError("cannot write \(node.configPath)")
        }
    }

    static func describe(_ role: Role) -> String {
        switch role {
        case .member(let don, let i): return "signer \(i) of \(don)"
        case .byzantine: return "byzantine"
        case .lateJoiner: return "late joiner"
        case .hostile(let don): return "hostile, \(don)'s keys"
        }
    }
}
