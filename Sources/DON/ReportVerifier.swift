import Wire
import Foundation
import SwiftProtobuf

/// What the verifier needs to know about stored reports: a live agent reads it from the store.
public protocol SequenceState {
    func headSeq(topic: String, don: String) throws -> UInt64?
    func storedDigests(topic: String, don: String, seq: UInt64) throws -> [[UInt8]]
}

/// Decides ACCEPT / IGNORE / REJECT for a message on a report topic: it must decode as a
/// `SignedReport` of a known DON, under that DON's current config, signed by a quorum, and pass
/// the sequence rules against the stored heads.
public struct ReportVerifier: Sendable {
    public var registry: DONRegistry
    /// Largest message that is decoded at all; bigger ones are rejected unread.
    public var maxReportBytes: Int

    /// How signatures are checked (Ed25519 for our envelope; the stand-in in simulations).
    public var scheme: any SignatureScheme
    /// Reports already verified (shared by the verifiers of one node), or nil.
    public var verified: VerifiedReports?

    public init(registry: DONRegistry, maxReportBytes: Int = 1 << 20, scheme: any SignatureScheme = Ed25519Scheme(),
                verified: VerifiedReports? = nil) {
        self.registry = registry
        self.maxReportBytes = maxReportBytes
        self.scheme = scheme
        self.verified = verified
    }

    /// - Parameter bestKnownHead: a head higher than the local one learned from peers, if any.
    /// - Parameter now: Unix seconds to judge freshness at (the DON's `maxAge`, a report's own
    ///   expiry); nil: not judged.
    public func verify(
        data: [UInt8], topic: String, state: SequenceState?, bestKnownHead: UInt64? = nil, now: UInt64? = nil
    ) throws -> ReportDecision {
        try verify(data: data, topic: topic, state: state, knownHead: { _ in bestKnownHead }, now: now)
    }

    /// - Parameter knownHead: the highest head peers reported for a DON (by id), if any.
    /// - Parameter decoded: `data` already decoded (`DecodedReport.decode`), so it is not again.
    public func verify(
        data: [UInt8], topic: String, state: SequenceState?, knownHead: (String) -> UInt64?, decoded: DecodedReport? = nil,
        now: UInt64? = nil
    ) throws -> ReportDecision {
        let checked: Checked
        switch checkQuorum(data: data, topic: topic, decoded: decoded, live: true, now: now) {
        case .failure(let failed): return failed.decision
        case .success(let ok): checked = ok
        }
        let local = try state?.headSeq(topic: topic, don: checked.don)
        let head = [local, knownHead(checked.don)].compactMap { $0 }.max()
        let stored = try state?.storedDigests(topic: topic, don: checked.don, seq: checked.seq) ?? []
        let r = SequencePolicy.decide(seq: checked.seq, digest: checked.digest, head: head, stored: stored, thresholds: checked.config.thresholds)
        return ReportDecision(reason: r.0, detail: r.1, don: checked.don, seq: checked.seq, reportDigest: checked.digest)
    }

    /// The check for a record fetched by range sync: everything but the sequence rules, which
    /// judge live gossip only (history fills gaps whatever its age). An OCR2 report of an earlier
    /// config of its DON is history too.
    public func verifyHistorical(data: [UInt8], topic: String) -> ReportDecision {
        switch checkQuorum(data: data, topic: topic, live: false) {
        case .failure(let failed): return failed.decision
        case .success(let ok):
            return ReportDecision(reason: .synced, detail: "quorum of \(ok.config.requiredSignatures) verified", don: ok.don, seq: ok.seq, reportDigest: ok.digest)
        }
    }

    private struct Failed: Error {
        var decision: ReportDecision
    }

    /// A report whose signatures hold: its DON, seq, digest and the config that judged it.
    private struct Checked {
        var don: String
        var seq: UInt64
        var digest: [UInt8]
        var config: DONConfig
    }

    /// Decodes the report (unless given decoded) and checks DON, config digest, freshness (live,
    /// with `now`) and quorum signatures, by the scheme its bytes show
    /// (`EVMTransmit.looksLikeCalldata`).
    private func checkQuorum(data: [UInt8], topic: String, decoded: DecodedReport? = nil, live: Bool, now: UInt64? = nil) -> Result<Checked, Failed> {
        guard data.count <= maxReportBytes else {
            return .failure(Failed(decision: ReportDecision(reason: .malformed, detail: "report is \(data.count) bytes, over the \(maxReportBytes)-byte limit", don: "", seq: 0)))
        }
        if EVMTransmit.looksLikeCalldata(data) { return checkEVM(data: data, decoded: decoded, live: live, now: now) }
        let signed: P2pmq_Don_SignedReport
        let digest: [UInt8]
        if let decoded, case .signed(let s) = decoded.envelope {
            (signed, digest) = (s, decoded.digest)
        } else {
            do {
                signed = try P2pmq_Don_SignedReport(serializedBytes: data)
            } catch {
                return .failure(Failed(decision: ReportDecision(reason: .malformed, detail: "data is neither a SignedReport protobuf nor OCR2 transmit calldata", don: "", seq: 0)))
            }
            guard signed.hasReport else {
                return .failure(Failed(decision: ReportDecision(reason: .malformed, detail: "SignedReport has no report", don: "", seq: 0)))
            }
            digest = ReportDigest.of(signed.report, topic: topic)
        }
        let report = signed.report
        func failed(_ r: (ReportReason, String)) -> Result<Checked, Failed> {
            .failure(Failed(decision: ReportDecision(reason: r.0, detail: r.1, don: report.donID, seq: report.seq, reportDigest: digest)))
        }
        guard let entry = registry.config(don: report.donID, seq: report.seq) else {
            return failed((.unknownDON, "DON '\(report.donID)' is not in the registry"))
        }
        let config = entry.config
        guard config.evm == nil else {
            return failed((.malformed, "DON \(config.id) is a \(config.scheme.rawValue) DON: its reports are EVM calldata, not SignedReport protobufs"))
        }
        guard Array(report.configDigest) == config.digest else {
            let named = Hex.encode(report.configDigest.prefix(8))
            if let other = registry.entry(don: report.donID, digest: Array(report.configDigest)) {
                return failed((.wrongConfigDigest, "report seq \(report.seq) is signed under \(config.id) v\(other.version) (\(named), from seq \(other.effectiveSeq)); seq \(report.seq) falls under v\(entry.version) (from seq \(entry.effectiveSeq))"))
            }
            return failed((.wrongConfigDigest, "report names config \(named), DON \(config.id) v\(entry.version) has \(Hex.encode(config.digest.prefix(8)))"))
        }
        if let now, report.timestamp > 0, let r = Freshness.judge(stated: report.timestamp / 1_000_000_000, expiresAt: nil, now: now, config: config) {
            return failed(r)
        }
        let checked = Checked(don: report.donID, seq: report.seq, digest: digest, config: config)
        let key = verified == nil ? nil : VerifiedReports.key(data: data, configDigest: config.digest)
        if let verified, let key, verified.contains(key) { return .success(checked) }
        if let failure = QuorumVerifier.check(signed, digest: digest, config: config, scheme: scheme) {
            return failed(failure)
        }
        if let verified, let key { verified.insert(key) }
        return .success(checked)
    }

    /// EVM calldata: the DON is the one whose config digest it names (Keystone: whose forwarder
    /// config id its metadata names), its current config for live gossip, any of its configs for
    /// history; that DON's family says the layout. Signatures recover to distinct signer
    /// addresses, a quorum of them (`EVMQuorum`).
    private func checkEVM(data: [UInt8], decoded: DecodedReport?, live: Bool, now: UInt64?) -> Result<Checked, Failed> {
        func malformed(_ error: Error) -> Result<Checked, Failed> {
            let detail = (error as? DONError)?.message ?? "\(error)"
            return .failure(Failed(decision: ReportDecision(reason: .malformed, detail: "EVM calldata: \(detail)", don: "", seq: 0)))
        }
        let report: EVMReport
        let found: (don: String, entry: DONRegistry.Entry, isCurrent: Bool)
        let hash: [UInt8]
        if let decoded, let r = decoded.evmReport, let f = registry.entry(digest: r.registryKey) {
            // Decoded once already, with the hash every signer signed as its digest.
            (report, found, hash) = (r, f, decoded.digest)
        } else {
            switch EVMReport.locate(data, in: registry) {
            case .malformed(let error): return malformed(error)
            case .unknown(let named):
                return .failure(Failed(decision: ReportDecision(reason: .unknownDON, detail: "no DON in the registry has \(named)", don: "", seq: 0)))
            case .found(let r, let f): (report, found, hash) = (r, f, r.signedHash)
            }
        }
        let config = found.entry.config
        let seq = report.seq(under: config)
        func failed(_ r: (ReportReason, String)) -> Result<Checked, Failed> {
            .failure(Failed(decision: ReportDecision(reason: r.0, detail: r.1, don: found.don, seq: seq, reportDigest: hash)))
        }
        if live, !found.isCurrent, let current = registry[found.don] {
            let then = config.ocr2.map { "config \($0.configCount) " } ?? ""
            let latest = current.ocr2.map { "config \($0.configCount) " } ?? ""
            return failed((.wrongConfigDigest, "signed under \(found.don)'s \(then)(0x\(Hex.encode(config.digest.prefix(8)))); the contract's current config is \(latest)(0x\(Hex.encode(current.digest.prefix(8))))"))
        }
        if live, let now, let time = report.time, let r = Freshness.judge(stated: time.stated, expiresAt: time.expiresAt, now: now, config: config) {
            return failed(r)
        }
        let checked = Checked(don: found.don, seq: seq, digest: hash, config: config)
        let key = verified == nil ? nil : VerifiedReports.key(data: data, configDigest: config.digest)
        if let verified, let key, verified.contains(key) { return .success(checked) }
        if let failure = EVMQuorum.check(report.signatures, hash: hash, config: config) { return failed(failure) }
        if let verified, let key { verified.insert(key) }
        return .success(checked)
    }
}

/// A report decoded once, with its digest (what makes two reports of one seq the same report):
/// the agent decodes each message once and hands this to the verifier, the validator's context
/// and the log.
public struct DecodedReport: Sendable {
    public enum Envelope: Sendable {
        case signed(P2pmq_Don_SignedReport)
        /// EVM calldata (OCR2 transmit, OCR3 commit or a Data Streams signed report: `layout`
        /// says which).
        case ocr2(EVMTransmit)
        /// KeystoneForwarder `report` calldata.
        case keystone(KeystoneReport)
    }

    public let envelope: Envelope
    public let don: String
    public let seq: UInt64
    /// Ed25519 envelope: `ReportDigest` under the topic; EVM: the hash every oracle signed.
    public let digest: [UInt8]

    /// The EVM report this envelope holds, if it is one.
    var evmReport: EVMReport? {
        switch envelope {
        case .signed: nil
        case .ocr2(let t): .transmit(t)
        case .keystone(let k): .keystone(k)
        }
    }

    /// The report's digest alone (no registry needed): for a record whose DON and seq are known.
    public static func digest(of data: [UInt8], topic: String) -> [UInt8]? {
        if EVMTransmit.looksLikeCalldata(data) {
            return EVMReport.decodeAny(data)?.signedHash
        }
        guard let signed = try? P2pmq_Don_SignedReport(serializedBytes: data), signed.hasReport else { return nil }
        return ReportDigest.of(signed.report, topic: topic)
    }

    /// nil when `data` is neither a SignedReport with a report nor EVM calldata whose config
    /// digest `registry` knows (the verifier then says why).
    public static func decode(_ data: [UInt8], topic: String, registry: DONRegistry? = nil) -> DecodedReport? {
        if EVMTransmit.looksLikeCalldata(data) {
            guard let registry, case .found(let report, let found) = EVMReport.locate(data, in: registry) else { return nil }
            let envelope: Envelope = switch report {
            case .transmit(let t): .ocr2(t)
            case .keystone(let k): .keystone(k)
            }
            return DecodedReport(envelope: envelope, don: found.don, seq: report.seq(under: found.entry.config), digest: report.signedHash)
        }
        guard let signed = try? P2pmq_Don_SignedReport(serializedBytes: data), signed.hasReport else { return nil }
        return DecodedReport(envelope: .signed(signed), don: signed.report.donID, seq: signed.report.seq,
                             digest: ReportDigest.of(signed.report, topic: topic))
    }
}
