import Crypto
import Foundation
import SwiftProtobuf

/// The libp2p key types (peer-ids spec).
public enum KeyType: Int, Sendable, CustomStringConvertible {
    case rsa = 0, ed25519 = 1, secp256k1 = 2, ecdsa = 3

    public var description: String { ["RSA", "Ed25519", "Secp256k1", "ECDSA"][rawValue] }
}

/// A peer's public key as libp2p encodes it: a type and the type's own key bytes (Ed25519: 32 raw
/// bytes; Secp256k1: 33-byte compressed point; ECDSA: DER SubjectPublicKeyInfo; RSA: DER PKIX).
public struct PublicKey: Hashable, Sendable {
    public let type: KeyType
    public let data: [UInt8]

    public init(type: KeyType, data: [UInt8]) throws {
        switch type {
        case .ed25519 where data.count != 32:
            throw WireError(.malformed, "Ed25519 public key is \(data.count) bytes, expected 32")
        case .secp256k1 where data.count != 33 && data.count != 65:
            throw WireError(.malformed, "Secp256k1 public key is \(data.count) bytes, expected 33 or 65")
        case .ecdsa where (try? P256.Signing.PublicKey(derRepresentation: data)) == nil
                && (try? P384.Signing.PublicKey(derRepresentation: data)) == nil
                && (try? P521.Signing.PublicKey(derRepresentation: data)) == nil:
            throw WireError(.malformed, "ECDSA public key is not a DER SubjectPublicKeyInfo of P-256, P-384 or P-521")
        default: break
        }
        self.type = type
        self.data = data
    }

    /// Decodes the protobuf `PublicKey` form.
    public init(protobuf bytes: [UInt8]) throws {
        let message: P2pmq_Libp2p_Crypto_PublicKey
        do { message = try P2pmq_Libp2p_Crypto_PublicKey(serializedBytes: bytes) } catch {
            throw WireError(.malformed, "public key is not a libp2p PublicKey protobuf")
        }
        guard let type = KeyType(rawValue: message.type.rawValue) else {
            throw WireError(.unsupported, "unknown key type \(message.type.rawValue)")
        }
        try self.init(type: type, data: Array(message.data))
    }

    /// The protobuf form (Type then Data, as every implementation writes it; peer ids hash it).
    public var protobuf: [UInt8] {
        var message = P2pmq_Libp2p_Crypto_PublicKey()
        message.type = P2pmq_Libp2p_Crypto_KeyType(rawValue: type.rawValue) ?? .ed25519
        message.data = Data(data)
        return (try? message.serializedBytes()) ?? []
    }

    /// Checks `signature` over `message`. Key types this build cannot verify throw `unsupported`.
    public func verify(signature: [UInt8], message: [UInt8]) throws -> Bool {
        switch type {
        case .ed25519:
            let key = try Curve25519.Signing.PublicKey(rawRepresentation: data)
            return key.isValidSignature(signature, for: message)
        case .ecdsa:
            if let key = try? P256.Signing.PublicKey(derRepresentation: data) {
                guard let sig = try? P256.Signing.ECDSASignature(derRepresentation: signature) else { return false }
                return key.isValidSignature(sig, for: message)
            }
            if let key = try? P384.Signing.PublicKey(derRepresentation: data) {
                guard let sig = try? P384.Signing.ECDSASignature(derRepresentation: signature) else { return false }
                return key.isValidSignature(sig, for: SHA256.hash(data: message))
            }
            if let key = try? P521.Signing.PublicKey(derRepresentation: data) {
                guard let sig = try? P521.Signing.ECDSASignature(derRepresentation: signature) else { return false }
                return key.isValidSignature(sig, for: SHA256.hash(data: message))
            }
            return false
        case .secp256k1, .rsa:
            throw WireError(.unsupported, "\(type) signatures cannot be verified by this build; use Ed25519 or ECDSA identities")
        }
    }
}

/// This node's identity: an Ed25519 key, stored in the libp2p protobuf `PrivateKey` form.
public struct PrivateKey: Sendable {
    /// The 32-byte Ed25519 seed.
    public let seed: [UInt8]
    public let publicKey: PublicKey

    public init(seed: [UInt8]) throws {
        guard seed.count == 32 else { throw WireError(.malformed, "Ed25519 seed is \(seed.count) bytes, expected 32") }
        let key = try Curve25519.Signing.PrivateKey(rawRepresentation: seed)
        self.seed = seed
        self.publicKey = try PublicKey(type: .ed25519, data: Array(key.publicKey.rawRepresentation))
    }

    public static func generate() -> PrivateKey {
        try! PrivateKey(seed: Array(Curve25519.Signing.PrivateKey().rawRepresentation))
    }

    /// Decodes the protobuf form. Ed25519 data is seed || public key (64 bytes, as go-libp2p
    /// writes it) or the bare 32-byte seed.
    public init(protobuf bytes: [UInt8]) throws {
        let message: P2pmq_Libp2p_Crypto_PrivateKey
        do { message = try P2pmq_Libp2p_Crypto_PrivateKey(serializedBytes: bytes) } catch {
            throw WireError(.malformed, "private key is not a libp2p PrivateKey protobuf")
        }
        guard message.type == .ed25519 else {
            throw WireError(.unsupported, "only Ed25519 identities are supported, got key type \(message.type.rawValue)")
        }
        let data = Array(message.data)
        guard data.count == 64 || data.count == 32 else {
            throw WireError(.malformed, "Ed25519 private key data is \(data.count) bytes, expected 64 or 32")
        }
        try self.init(seed: Array(data.prefix(32)))
        if data.count == 64, Array(data.suffix(32)) != publicKey.data {
            throw WireError(.malformed, "Ed25519 private key: the public half does not match the seed")
        }
    }

    public var protobuf: [UInt8] {
        var message = P2pmq_Libp2p_Crypto_PrivateKey()
        message.type = .ed25519
        message.data = Data(seed + publicKey.data)
        return (try? message.serializedBytes()) ?? []
    }

    public func sign(_ message: [UInt8]) -> [UInt8] {
        let key = try! Curve25519.Signing.PrivateKey(rawRepresentation: seed)
        return Array(try! key.signature(for: message))
    }

    public var peerID: PeerID { PeerID(publicKey: publicKey) }
}
