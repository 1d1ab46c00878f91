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
