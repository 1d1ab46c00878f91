import CSodium

/// Ed25519 through libsodium (Debian's libsodium-dev): the hot path of report checks. Measured
/// faster than swift-crypto's BoringSSL code in release builds (`p2pmq-bench verify` prints
/// both) and, being a prebuilt optimized library, fast in debug test builds too. Signatures are
/// deterministic, so keys and signatures are the same bytes either library makes.
enum Ed25519 {
    private static let initialized: Bool = sodium_init() >= 0

    /// (public key, libsodium's 64-byte secret key) for a 32-byte seed.
    static func keyPair(seed: [UInt8]) -> (publicKey: [UInt8], secretKey: [UInt8]) {
        precondition(initialized && seed.count == 32)
        var pk = [UInt8](repeating: 0, count: 32), sk = [UInt8](repeating: 0, count: 64)
        _ = crypto_sign_seed_keypair(&pk, &sk, seed)
        return (pk, sk)
    }

    static func sign(_ message: [UInt8], secretKey: [UInt8]) -> [UInt8] {
        precondition(initialized && secretKey.count == 64)
        var signature = [UInt8](repeating: 0, count: 64)
        _ = crypto_sign_detached(&signature, nil, message, UInt64(message.count), secretKey)
        return signature
    }

    static func isValid(signature: some Collection<UInt8>, message: [UInt8], publicKey: [UInt8]) -> Bool {
        guard initialized, signature.count == 64, publicKey.count == 32 else { return false }
        let sig = Array(signature)
        return crypto_sign_verify_detached(sig, message, UInt64(message.count), publicKey) == 0
    }
}
