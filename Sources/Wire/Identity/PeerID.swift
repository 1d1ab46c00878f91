import Crypto

/// A libp2p peer id: the multihash of the protobuf public key (identity hash when that is at
/// most 42 bytes, as for Ed25519: `12D3KooW...`; sha2-256 otherwise).
public struct PeerID: Hashable, Sendable, CustomStringConvertible {
    /// The multihash bytes.
    public let bytes: [UInt8]

    public init(publicKey: PublicKey) {
        let encoded = publicKey.protobuf
        if encoded.count <= 42 {
            bytes = [0x00, UInt8(encoded.count)] + encoded
        } else {
            bytes = [0x12, 0x20] + Array(SHA256.hash(data: encoded))
        }
    }

    /// From multihash bytes (as in a `/p2p/` multiaddr component).
    public init(bytes: [UInt8]) throws {
        guard bytes.count >= 2 else { throw WireError(.malformed, "peer id multihash is too short") }
        switch (bytes[0], Int(bytes[1])) {
        case (0x00, let n) where n == bytes.count - 2 && n <= 42: break
        case (0x12, 32) where bytes.count == 34: break
        default: throw WireError(.malformed, "peer id is not an identity or sha2-256 multihash")
        }
        self.bytes = bytes
    }

    /// Parses base58btc (`12D3KooW...`, `Qm...`) or a CIDv1 with the libp2p-key codec (`bafz...`).
    public init(_ text: String) throws {
        if text.hasPrefix("1") || text.hasPrefix("Qm") {
            guard let decoded = Base58.decode(text) else { throw WireError(.malformed, "peer id '\(text)' is not base58") }
            try self.init(bytes: decoded)
        } else if text.hasPrefix("b"), let cid = Base32.decode(String(text.dropFirst())), cid.count > 2 {
            guard cid[0] == 0x01, cid[1] == 0x72 else {
                throw WireError(.malformed, "peer id '\(text)' is not a CIDv1 with the libp2p-key codec")
            }
            try self.init(bytes: Array(cid[2...]))
        } else {
            throw WireError(.malformed, "peer id '\(text)' is neither base58btc nor a base32 CIDv1")
        }
    }

    /// The public key, when it is inlined (identity multihash).
    public var inlinedPublicKey: PublicKey? {
        guard bytes[0] == 0x00 else { return nil }
        return try? PublicKey(protobuf: Array(bytes[2...]))
    }

    public func matches(_ key: PublicKey) -> Bool { PeerID(publicKey: key) == self }

    public var description: String { Base58.encode(bytes) }

    /// The CIDv1 text form (multibase base32).
    public var cid: String { "b" + Base32.encode([0x01, 0x72] + bytes) }
}
