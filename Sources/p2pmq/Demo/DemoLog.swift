import Core
import Gossip
import DON
import Foundation
import Store

/// Builds a realistic report log for demos and tests: DONs publish signed reports that honest
/// peers forward, some late or twice, while one byzantine peer tampers with reports, strips
/// signatures and replays old ones. Every verdict comes from the real `ReportVerifier`.
struct DemoLog {
    var reportsPerDON: Int
    var honestPeers: Int
    var byzantinePeers: Int
    var seed: UInt64

    struct Output {
        var records: [LogRecord]
        var dons: [DONConfig]
        var byzantine: [String]
    }

    func generate(startingAt start: UInt64) throws -> Output {
        var rng = SeededGenerator(seed: seed)
        let donSpecs: [(id: String, nodes: Int, topic: String)] = [("don-a", 4, "don-a/prices"), ("don-b", 7, "don-b/prices")]
        let signerSets = donSpecs.map { spec in (0..<spec.nodes).map { i in try! SignerKey(index: i, seed: rng.bytes(32)) } }
        let configs = try zip(donSpecs, signerSets).map { spec, keys in
            try DONConfig(id: spec.id, signers: keys.map(\.publicKey), thresholds: SequenceThresholds(skip: 5, validity: 50, maxSeqGap: 100))
        }
        let honest = (0..<honestPeers).map { _ in Self.peerID(&rng) }
        let byzantine = (0..<byzantinePeers).map { _ in Self.peerID(&rng) }
        let verifier = ReportVerifier(registry: DONRegistry(configs))
        var state = MemorySequenceState()
        var seen = Set<String>()
        var records: [LogRecord] = []
        var clock = start

        func deliver(_ data: [UInt8], topic: String, from: String) throws {
            clock += 1_000_000 + rng.next() % 400_000_000
            let id = MessageIDFunction.contentHash(of: data)
            guard seen.insert(topic + id).inserted else { return }  // gossip drops duplicate ids unseen
            let d = try verifier.verify(data: data, topic: topic, state: state, now: clock / 1_000_000_000)
            state.record(d, topic: topic)
            records.append(LogRecord(
                topic: topic, messageID: id, receivedAt: clock, from: from, don: d.don, seq: d.seq,
                verdict: d.verdict, reason: d.reason.rawValue, data: data))
        }

        var held: [(data: [UInt8], topic: String)] = []  // reports delivered late
        var lost: [(signed: P2pmq_Don_SignedReport, don: Int)] = []  // reports gossip never delivered
        for seq in 1...UInt64(reportsPerDON) {
            for (i, spec) in donSpecs.enumerated() {
                let keys = signerSets[i]
                let config = configs[i]
                var report = P2pmq_Don_Report()
                report.donID = spec.id
                report.configDigest = Data(config.digest)
                report.epoch = 1 + seq / 100
                report.round = seq % 100
                report.seq = seq
                report.timestamp = clock
                report.payload = Data("{\"price\":\(40_000 + rng.next() % 2_000),\"seq\":\(seq)}".utf8)
                let quorum = Array(keys.shuffled(using: &rng).prefix(config.requiredSignatures)).sorted { $0.index < $1.index }
                let signed = try P2pmq_Don_SignedReport.sign(report, topic: spec.topic, with: quorum)
                let data: [UInt8] = try signed.serializedBytes()
                let relay = honest[Int(rng.next() % UInt64(honest.count))]
                if rng.next() % 40 == 0 {
                    lost.append((signed, i))
                } else if rng.next() % 12 == 0 {
                    held.append((data, spec.topic))  // arrives a little later: fills a gap
                } else {
                    try deliver(data, topic: spec.topic, from: relay)
                }
                if rng.next() % 2 == 0 {
                    for late in held { try deliver(late.data, topic: late.topic, from: relay) }
                    held.removeAll()
                }
                // The same report signed by another quorum: a new message id, the same report.
                if rng.next() % 15 == 0 {
                    let other = Array(keys.shuffled(using: &rng).prefix(config.requiredSignatures))
                    try deliver(try P2pmq_Don_SignedReport.sign(report, topic: spec.topic, with: other).serializedBytes(), topic: spec.topic, from: relay)
                }
                guard let bad = byzantine.first, rng.next() % 6 == 0 else { continue }
                var attack = signed
                switch rng.next() % 4 {
                case 0:  // tampered payload: the signatures no longer match
                    attack.report.payload = Data("{\"price\":1,\"seq\":\(seq)}".utf8)
                case 1:  // stripped to below quorum
                    attack.signatures = Array(attack.signatures.prefix(config.requiredSignatures - 1))
                case 2:  // replay of a long-gone report: validly signed, but far behind the head
                    guard let old = lost.first(where: { $0.don == i && seq - $0.signed.report.seq > config.thresholds.validity }) else { continue }
                    attack = old.signed
                default:  // garbage that is not a report at all
                    try deliver(rng.bytes(40), topic: spec.topic, from: bad)
                    continue
                }
                try deliver(try attack.serializedBytes(), topic: spec.topic, from: bad)
            }
        }
        // Reports still held never arrive: gossip lost them (range sync would fetch them).
        return Output(records: records, dons: configs, byzantine: byzantine)
    }

    /// A peer-id-shaped name (base58 after the Ed25519 `12D3KooW` prefix) for the demo's peers.
    static func peerID(_ rng: inout SeededGenerator) -> String {
        let alphabet = Array("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz")
        return "12D3KooW" + String((0..<44).map { _ in alphabet[Int(rng.next() % 58)] })
    }
}
