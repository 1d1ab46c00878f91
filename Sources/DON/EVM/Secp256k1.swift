import CSecp256k1

/// secp256k1 ECDSA with public key recovery through Debian's libsecp256k1 (recovery module): what
/// the EVM's `ecrecover` does for OCR2 contracts, and what the EVM onchain keyring signs with.
public enum Secp256k1 {
    /// One context for the process: libsecp256k1 contexts are safe to share between threads for
    /// signing, verifying and recovering once created (only randomization mutates them).
    nonisolated(unsafe) static let context: OpaquePointer = secp256k1_context_create(UInt32(SECP256K1_CONTEXT_SIGN | SECP256K1_CONTEXT_VERIFY))!

    /// A recoverable signature as OCR2 carries it: r, s (32 bytes each) and v (0 or 1).
    public struct Signature: Sendable, Equatable {
        public var r: [UInt8]
        public var s: [UInt8]
        public var v: UInt8

        public init(r: [UInt8], s: [UInt8], v: UInt8) {
            self.r = r
            self.s = s
            self.v = v
        }
    }

    /// Whether `key` is a valid secret key (32 bytes, 0 < key < n).
    public static func isValidSecretKey(_ key: [UInt8]) -> Bool {
        key.count == 32 && secp256k1_ec_seckey_verify(context, key) == 1
    }

    /// Signs a 32-byte hash (RFC 6979 nonces; low s, as libsecp256k1 always produces).
    public static func sign(hash: [UInt8], secretKey: [UInt8]) -> Signature? {
        guard hash.count == 32, isValidSecretKey(secretKey) else { return nil }
        var sig = secp256k1_ecdsa_recoverable_signature()
        guard secp256k1_ecdsa_sign_recoverable(context, &sig, hash, secretKey, nil, nil) == 1 else { return nil }
        var compact = [UInt8](repeating: 0, count: 64)
        var recid: Int32 = 0
        secp256k1_ecdsa_recoverable_signature_serialize_compact(context, &compact, &recid, &sig)
        return Signature(r: Array(compact[0..<32]), s: Array(compact[32..<64]), v: UInt8(recid))
    }

    /// The 64-byte uncompressed public key (x || y) that signed `hash`, or nil: v not 0 or 1, r or
    /// s zero or not below the curve order, or no point recovers. High s is recovered, as
    /// `ecrecover` does (the low-s rule is for transactions, not for contracts' signatures).
    public static func recover(hash: [UInt8], _ signature: Signature) -> [UInt8]? {
        guard hash.count == 32, signature.r.count == 32, signature.s.count == 32, signature.v <= 1 else { return nil }
        var sig = secp256k1_ecdsa_recoverable_signature()
        guard secp256k1_ecdsa_recoverable_signature_parse_compact(context, &sig, signature.r + signature.s, Int32(signature.v)) == 1 else { return nil }
        var pubkey = secp256k1_pubkey()
        guard secp256k1_ecdsa_recover(context, &pubkey, &sig, hash) == 1 else { return nil }
        return serialize(pubkey)
    }

    /// The 64-byte uncompressed public key of a secret key.
    public static func publicKey(secretKey: [UInt8]) -> [UInt8]? {
        guard isValidSecretKey(secretKey) else { return nil }
        var pubkey = secp256k1_pubkey()
        guard secp256k1_ec_pubkey_create(context, &pubkey, secretKey) == 1 else { return nil }
        return serialize(pubkey)
    }

    private static func serialize(_ pubkey: secp256k1_pubkey) -> [UInt8] {
        var key = pubkey
        var out = [UInt8](repeating: 0, count: 65)
        var length = 65
        secp256k1_ec_pubkey_serialize(context, &out, &length, &key, UInt32(SECP256K1_EC_UNCOMPRESSED))
        return Array(out[1..<65])
    }
}

extension Secp256k1 {
    /// `hash` signed by each signer key, in order; each must be a secp256k1 key.
    static func sign(hash: [UInt8], keys: [SignerKey]) throws -> [Signature] {
        try keys.map { key in
            guard let secret = key.secp256k1Secret else { throw DONError(.invalidKey, "signer \(key.index) is not a secp256k1 key") }
            guard let s = sign(hash: hash, secretKey: secret) else { throw DONError(.invalidKey, "signer \(key.index): not a secp256k1 secret key") }
            return s
        }
    }
}
