import DON
import Foundation

/// Makes the hostile peer's reports for one DON whose signer keys it stole (a compromised DON):
/// all of them carry a valid DON id and config digest, so only the signature, quorum and
/// sequence rules can catch them.
struct ReportForge: Sendable {
    let config: DONConfig
    let keys: [SignerKey]
    var topic: String { config.id + "/reports" }

    /// Loads `don.json` and every `signer-<i>.key` of a DON folder (`p2pmq don init`).
    init(donDir: String) throws {
        let dir = DONDirectory(path: donDir)
        config = try DONConfig.load(path: dir.configPath)
        keys = try (0..<config.signers.count).map { try SignerKey.load(path: dir.keyPath($0), index: $0) }
    }

    /// A report of `seq` signed by `signers` (key indexes), in the DON's scheme.
    func signed(seq: UInt64, signers: [Int], payload: String) throws -> [UInt8] {
        try ReportMaker.make(config, seq: seq, payload: payload, keys: signers.map { keys[$0] }, topic: topic)
    }

    var quorum: [Int] { Array(0..<config.requiredSignatures) }

    /// The report an attack sends, given the DON's head and first seq as honest peers report them.
    func report(for attack: HostileAttack, head: UInt64, first: UInt64, turn: Int) throws -> [UInt8]? {
        let t = config.thresholds
        switch attack {
        case .forgedSignature:
            return try ReportMaker.forged(config, seq: head + 1, payload: "hostile: forged", topic: topic)
        case .underQuorum:
            return try signed(seq: head + 1, signers: [0], payload: "hostile: one signature")
        case .staleReplay:
            // Below what any node holds (a held seq would make it an equivocation instead) and
            // more than `validity` below the head.
            let below = t.validity + 2 + UInt64(turn % 400)
            guard first > below, head >= first else { return nil }
            return try signed(seq: first - below, signers: quorum, payload: "hostile: stale")
        case .unrealisticSeq:
            return try signed(seq: head + 100 * t.maxSeqGap, signers: quorum, payload: "hostile: far ahead")
        default:
            return nil
        }
    }
}
