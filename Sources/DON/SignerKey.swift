import Crypto
import Foundation

/// One DON node's Ed25519 signing key. On disk: the 32-byte seed, base64, one line
/// (`signer-<index>.key`, written by `p2pmq don init`, mode 0600).
public struct SignerKey: Sendable {
    public let index: Int
    private let seed: [UInt8]
    public let publicKey: [UInt8]
    /// libsodium's 64-byte form of the key, which signs (see `Ed25519`).
    private let secretKey: [UInt8]

    public init(index: Int, seed: [UInt8]) throws {
        guard seed.count == 32 else { throw DONError(.invalidKey, "signer \(index): seed is \(seed.count) bytes, expected 32") }
        self.index = index
        self.seed = seed
        (publicKey, secretKey) = Ed25519.keyPair(seed: seed)
    }

    public static func generate(index: Int) -> SignerKey {
        let key = Curve25519.Signing.PrivateKey()
        return try! SignerKey(index: index, seed: Array(key.rawRepresentation))
    }

    public var seedBase64: String { Data(seed).base64EncodedString() }

    public func sign(_ digest: [UInt8]) throws -> [UInt8] {
        Ed25519.sign(digest, secretKey: secretKey)
    }

    /// Verifies an Ed25519 signature the way the quorum check does (libsodium).
    public static func verify(_ signature: [UInt8], for message: [UInt8], publicKey: [UInt8]) -> Bool {
        Ed25519.isValid(signature: signature, message: message, publicKey: publicKey)
    }

    public static func load(path: String, index: Int) throws -> SignerKey {
        guard let data = FileManager.default.contents(atPath: path),
              let text = String(data: data, encoding: .utf8),
              let seed = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines))
        else { throw DONError(.invalidKey, "cannot read a base64 signer key from \(path)") }
        return try SignerKey(index: index, seed: Array(seed))
    }
}

extension SignerKey {
    /// Each key's signature over `digest`, with its signer index (reports and config updates).
    public static func signatures(over digest: [UInt8], by keys: [SignerKey]) throws -> [P2pmq_Don_ReportSignature] {
        try keys.map { key in
            var s = P2pmq_Don_ReportSignature()
            s.signer = UInt32(key.index)
            s.signature = Data(try key.sign(digest))
            return s
        }
    }
}

extension P2pmq_Don_SignedReport {
    /// Signs `report` for `topic` with each of `keys`.
    public static func sign(_ report: P2pmq_Don_Report, topic: String, with keys: [SignerKey]) throws -> P2pmq_Don_SignedReport {
        var signed = P2pmq_Don_SignedReport()
        signed.report = report
        signed.signatures = try SignerKey.signatures(over: ReportDigest.of(report, topic: topic), by: keys)
        return signed
    }
}
