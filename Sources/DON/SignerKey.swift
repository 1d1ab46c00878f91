import Crypto
import Foundation
import Wire

/// One DON node's signing key. Ed25519 on disk: the 32-byte seed, base64, one line; an
/// `ocr2-evm` node's secp256k1 key: 0x and 64 hex digits, as EVM tools write private keys
/// (`signer-<index>.key`, written by `p2pmq don init`, mode 0600).
public struct SignerKey: Sendable {
    public let index: Int
    public let scheme: ReportScheme
    private let seed: [UInt8]
    /// Ed25519: the public key; OCR2: the signer's 20-byte address (what the config lists).
    public let publicKey: [UInt8]
    /// libsodium's 64-byte form of an Ed25519 key, which signs (see `Ed25519`); the secp256k1
    /// secret key for OCR2.
    private let secretKey: [UInt8]

    public init(index: Int, seed: [UInt8]) throws {
        guard seed.count == 32 else { throw DONError(.invalidKey, "signer \(index): seed is \(seed.count) bytes, expected 32") }
        self.index = index
        self.scheme = .ed25519
        self.seed = seed
        (publicKey, secretKey) = Ed25519.keyPair(seed: seed)
    }

    /// An `ocr2-evm` signer's secp256k1 secret key.
    public init(index: Int, secp256k1 secret: [UInt8]) throws {
        guard let address = EVMAddress(secretKey: secret) else { throw DONError(.invalidKey, "signer \(index): not a secp256k1 secret key") }
        self.index = index
        self.scheme = .ocr2EVM
        self.seed = secret
        self.secretKey = secret
        self.publicKey = address.bytes
    }

    public static func generate(index: Int) -> SignerKey {
        let key = Curve25519.Signing.PrivateKey()
        return try! SignerKey(index: index, seed: Array(key.rawRepresentation))
    }

    public static func generate(index: Int, scheme: ReportScheme) -> SignerKey {
        guard scheme.isEVM else { return generate(index: index) }
        while true {
            let secret = (0..<32).map { _ in UInt8.random(in: 0...255) }
            if let key = try? SignerKey(index: index, secp256k1: secret) { return key }
        }
    }

    /// A secp256k1 key (an EVM DON's signer; `scheme` is then `ocr2-evm` whichever EVM layout the
    /// DON uses: the key is the same kind).
    public var isSecp256k1: Bool { scheme != .ed25519 }

    /// The key file's text.
    public var seedBase64: String { isSecp256k1 ? "0x" + Hex.encode(seed) : Data(seed).base64EncodedString() }

    /// The OCR2 signer's address.
    public var address: EVMAddress? { isSecp256k1 ? try? EVMAddress(bytes: publicKey) : nil }

    /// The raw secp256k1 secret of an OCR2 signer (to sign transmissions).
    var secp256k1Secret: [UInt8]? { isSecp256k1 ? secretKey : nil }

    /// Ed25519 over `digest`; for an OCR2 signer the recoverable signature r || s || v.
    public func sign(_ digest: [UInt8]) throws -> [UInt8] {
        guard isSecp256k1 else { return Ed25519.sign(digest, secretKey: secretKey) }
        guard let s = Secp256k1.sign(hash: digest, secretKey: secretKey) else { throw DONError(.invalidKey, "signer \(index): cannot sign") }
        return s.r + s.s + [s.v]
    }

    /// Verifies an Ed25519 signature the way the quorum check does (libsodium).
    public static func verify(_ signature: [UInt8], for message: [UInt8], publicKey: [UInt8]) -> Bool {
        Ed25519.isValid(signature: signature, message: message, publicKey: publicKey)
    }

    public static func load(path: String, index: Int) throws -> SignerKey {
        guard let data = FileManager.default.contents(atPath: path), let raw = String(data: data, encoding: .utf8) else {
            throw DONError(.invalidKey, "cannot read \(path)")
        }
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("0x") {
            guard let secret = Hex.decode(String(text.dropFirst(2)).lowercased()), secret.count == 32 else {
                throw DONError(.invalidKey, "\(path): expected 0x and 64 hex digits (a secp256k1 secret key)")
            }
            return try SignerKey(index: index, secp256k1: secret)
        }
        guard let seed = Data(base64Encoded: text) else { throw DONError(.invalidKey, "cannot read a base64 signer key from \(path)") }
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
