import Crypto
import Foundation

/// Noise CipherState for ChaChaPoly: a key and a 64-bit nonce counter. Without a key it passes
/// data through (the first handshake message).
struct NoiseCipherState: Sendable {
    // Raw bytes rather than a SymmetricKey, which is not Sendable.
    private var keyBytes: [UInt8]?
    private(set) var nonce: UInt64 = 0

    init(key: [UInt8]? = nil) { self.keyBytes = key }

    private var key: SymmetricKey? { keyBytes.map { SymmetricKey(data: $0) } }

    /// 96-bit ChaChaPoly nonce: 32 zero bits, then the counter little-endian (Noise spec 12.3).
    private func nonceBytes() -> ChaChaPoly.Nonce {
        var bytes = [UInt8](repeating: 0, count: 12)
        withUnsafeBytes(of: nonce.littleEndian) { bytes.replaceSubrange(4..<12, with: $0) }
        return try! ChaChaPoly.Nonce(data: bytes)
    }

    mutating func encrypt(_ plaintext: [UInt8], ad: [UInt8]) throws -> [UInt8] {
        guard let key else { return plaintext }
        guard nonce < UInt64.max else { throw WireError(.limit, "Noise nonce exhausted: the connection must be re-established") }
        let box = try ChaChaPoly.seal(plaintext, using: key, nonce: nonceBytes(), authenticating: ad)
        nonce += 1
        return Array(box.ciphertext) + Array(box.tag)
    }

    mutating func decrypt(_ ciphertext: [UInt8], ad: [UInt8]) throws -> [UInt8] {
        guard let key else { return ciphertext }
        guard ciphertext.count >= 16 else { throw WireError(.truncated, "Noise ciphertext shorter than its 16-byte tag") }
        guard nonce < UInt64.max else { throw WireError(.limit, "Noise nonce exhausted") }
        do {
            let box = try ChaChaPoly.SealedBox(
                nonce: nonceBytes(), ciphertext: ciphertext.dropLast(16), tag: ciphertext.suffix(16))
            let plain = try ChaChaPoly.open(box, using: key, authenticating: ad)
            nonce += 1
            return Array(plain)
        } catch {
            throw WireError(.decryptFailed, "Noise message failed authentication")
        }
    }
}

/// Noise SymmetricState over SHA-256: the chaining key, the handshake hash, and the cipher.
struct NoiseSymmetricState: Sendable {
    private(set) var chainingKey: [UInt8]
    private(set) var hash: [UInt8]
    private(set) var cipher = NoiseCipherState()

    init(protocolName: String) {
        let name = Array(protocolName.utf8)
        hash = name.count <= 32 ? name + [UInt8](repeating: 0, count: 32 - name.count) : Array(SHA256.hash(data: name))
        chainingKey = hash
    }

    mutating func mixHash(_ data: [UInt8]) {
        hash = Array(SHA256.hash(data: hash + data))
    }

    mutating func mixKey(_ material: [UInt8]) {
        let (ck, k) = Self.hkdf(chainingKey, material)
        chainingKey = ck
        cipher = NoiseCipherState(key: k)
    }

    mutating func encryptAndHash(_ plaintext: [UInt8]) throws -> [UInt8] {
        let c = try cipher.encrypt(plaintext, ad: hash)
        mixHash(c)
        return c
    }

    mutating func decryptAndHash(_ ciphertext: [UInt8]) throws -> [UInt8] {
        let p = try cipher.decrypt(ciphertext, ad: hash)
        mixHash(ciphertext)
        return p
    }

    /// The two transport ciphers: initiator-to-responder, then responder-to-initiator.
    func split() -> (NoiseCipherState, NoiseCipherState) {
        let (k1, k2) = Self.hkdf(chainingKey, [])
        return (NoiseCipherState(key: k1), NoiseCipherState(key: k2))
    }

    /// HKDF as Noise defines it (HMAC-SHA256, two outputs).
    static func hkdf(_ chainingKey: [UInt8], _ material: [UInt8]) -> ([UInt8], [UInt8]) {
        let temp = SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: material, using: SymmetricKey(data: chainingKey)))
        let out1 = Array(HMAC<SHA256>.authenticationCode(for: [0x01], using: temp))
        let out2 = Array(HMAC<SHA256>.authenticationCode(for: out1 + [0x02], using: temp))
        return (out1, out2)
    }
}
