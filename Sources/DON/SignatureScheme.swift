import Wire

/// How a DON's nodes sign a report digest and how one signature is checked against a signer's
/// public key: the seam below the quorum check. `ed25519` (libsodium) is what our envelope
/// uses; OCR2/OCR3 on secp256k1 (issues 17, 26) come in here; `standIn` is a cheap deterministic
/// scheme for the simulator, where thousands of nodes would otherwise spend their time in
/// Ed25519.
public protocol SignatureScheme: Sendable {
    /// The name configs and the CLI use (`ed25519`, `stand-in`).
    var name: String { get }
    func isValid(signature: some Collection<UInt8>, digest: [UInt8], publicKey: [UInt8]) -> Bool
    /// A signature over `digest`; `secretKey` is the scheme's own form of the key.
    func sign(digest: [UInt8], secretKey: [UInt8]) -> [UInt8]
}

/// Ed25519 through libsodium (see `Ed25519`).
public struct Ed25519Scheme: SignatureScheme {
    public init() {}
    public var name: String { "ed25519" }

    public func isValid(signature: some Collection<UInt8>, digest: [UInt8], publicKey: [UInt8]) -> Bool {
        Ed25519.isValid(signature: signature, message: digest, publicKey: publicKey)
    }

    public func sign(digest: [UInt8], secretKey: [UInt8]) -> [UInt8] { Ed25519.sign(digest, secretKey: secretKey) }
}

/// NOT a signature: sha256(public key || digest), with the public key as the "secret". Anyone can
/// forge it; it exists so the simulator can run the real quorum rules (distinct signers, counts,
/// a forgery is a wrong byte string) at a hash's cost. Never configured for a real network.
public struct StandInScheme: SignatureScheme {
    public init() {}
    public var name: String { "stand-in" }

    public func isValid(signature: some Collection<UInt8>, digest: [UInt8], publicKey: [UInt8]) -> Bool {
        Array(signature) == Digests.sha256(publicKey + digest)
    }

    public func sign(digest: [UInt8], secretKey: [UInt8]) -> [UInt8] { Digests.sha256(secretKey + digest) }
}

/// secp256k1 signatures checked as OCR2 contracts check them: the 65-byte r || s || v recovers
/// (as `ecrecover`) to the signer's 20-byte address, which is what an ocr2-evm config lists. Used
/// for config updates of ocr2-evm DONs, signed by the previous config's signers.
public struct Secp256k1AddressScheme: SignatureScheme {
    public init() {}
    public var name: String { "secp256k1-address" }

    public func isValid(signature: some Collection<UInt8>, digest: [UInt8], publicKey: [UInt8]) -> Bool {
        let bytes = Array(signature)
        guard bytes.count == 65, publicKey.count == 20 else { return false }
        let s = Secp256k1.Signature(r: Array(bytes[0..<32]), s: Array(bytes[32..<64]), v: bytes[64])
        guard let key = Secp256k1.recover(hash: digest, s) else { return false }
        return EVMAddress(publicKey: key).bytes == publicKey
    }

    public func sign(digest: [UInt8], secretKey: [UInt8]) -> [UInt8] {
        guard let s = Secp256k1.sign(hash: digest, secretKey: secretKey) else { return [] }
        return s.r + s.s + [s.v]
    }
}
