import Crypto
import Foundation

/// The libp2p Noise handshake, Noise_XX_25519_ChaChaPoly_SHA256, as a state machine over whole
/// handshake messages (the caller frames them with a 2-byte length):
///
///     -> e                 (empty payload)
///     <- e, ee, s, es      (responder's libp2p payload)
///     -> s, se             (initiator's libp2p payload)
///
/// Each payload carries the sender's identity key and its signature over
/// "noise-libp2p-static-key:" || its Noise static key, binding the libp2p identity to the session.
public struct NoiseHandshake: Sendable {
    public static let protocolID = "/noise"
    static let protocolName = "Noise_XX_25519_ChaChaPoly_SHA256"
    static let signaturePrefix = Array("noise-libp2p-static-key:".utf8)

    public enum Step: Sendable {
        /// Send this handshake message and wait for the next.
        case send([UInt8])
        /// Done: send `message` first if present, then use `transport`.
        case complete(message: [UInt8]?, remote: PeerID, remoteKey: PublicKey, transport: NoiseTransport)
    }

    private enum Stage { case initial, sentFirst, awaitingFirst, sentSecond, done }

    public let isInitiator: Bool
    private let identity: PrivateKey
    /// Signs the payload; always `identity` except in tests of forged payloads.
    private let payloadSigner: PrivateKey
    /// The peer id the initiator dialed, if it named one: a different responder is refused.
    private let expectedPeer: PeerID?
    // Raw X25519 keys: CryptoKit key types are not Sendable.
    private let localStaticBytes: [UInt8]
    private let localEphemeralBytes: [UInt8]
    private var localStatic: Curve25519.KeyAgreement.PrivateKey { try! .init(rawRepresentation: localStaticBytes) }
    private var localEphemeral: Curve25519.KeyAgreement.PrivateKey { try! .init(rawRepresentation: localEphemeralBytes) }
    private var symmetric = NoiseSymmetricState(protocolName: protocolName)
    private var stage: Stage

    public init(initiator: Bool, identity: PrivateKey, expectedPeer: PeerID? = nil) {
        self.init(initiator: initiator, identity: identity, expectedPeer: expectedPeer,
                  staticKey: .init(), ephemeralKey: .init())
    }

    /// With given Noise keys, for tests that need fixed transcripts.
    init(initiator: Bool, identity: PrivateKey, expectedPeer: PeerID?,
         staticKey: Curve25519.KeyAgreement.PrivateKey, ephemeralKey: Curve25519.KeyAgreement.PrivateKey,
         payloadSigner: PrivateKey? = nil) {
        self.isInitiator = initiator
        self.identity = identity
        self.payloadSigner = payloadSigner ?? identity
        self.expectedPeer = expectedPeer
        self.localStaticBytes = Array(staticKey.rawRepresentation)
        self.localEphemeralBytes = Array(ephemeralKey.rawRepresentation)
        self.stage = initiator ? .initial : .awaitingFirst
        symmetric.mixHash([])  // empty prologue
    }

    /// The initiator's first message.
    public mutating func start() throws -> [UInt8] {
        guard isInitiator, stage == .initial else { throw WireError(.protocolViolation, "only a new initiator starts a Noise handshake") }
        let e = Array(localEphemeral.publicKey.rawRepresentation)
        symmetric.mixHash(e)
        let payload = try symmetric.encryptAndHash([])
        stage = .sentFirst
        return e + payload
    }

    /// Feeds one received handshake message.
    public mutating func receive(_ message: [UInt8]) throws -> Step {
        switch (stage, isInitiator) {
        case (.awaitingFirst, false):
            guard message.count >= 32 else { throw WireError(.truncated, "first Noise message is \(message.count) bytes, shorter than a key") }
            let re = try Self.publicKey(message.prefix(32))
            symmetric.mixHash(Array(message.prefix(32)))
            _ = try symmetric.decryptAndHash(Array(message.dropFirst(32)))
            // <- e, ee, s, es
            var out = Array(localEphemeral.publicKey.rawRepresentation)
            symmetric.mixHash(out)
            symmetric.mixKey(try Self.dh(localEphemeral, re))
            out += try symmetric.encryptAndHash(Array(localStatic.publicKey.rawRepresentation))
            symmetric.mixKey(try Self.dh(localStatic, re))
            out += try symmetric.encryptAndHash(try payload())
            stage = .sentSecond
            return .send(out)

        case (.sentFirst, true):
            guard message.count >= 32 + 48 + 16 else { throw WireError(.truncated, "second Noise message is \(message.count) bytes, too short") }
            let re = try Self.publicKey(message.prefix(32))
            symmetric.mixHash(Array(message.prefix(32)))
            symmetric.mixKey(try Self.dh(localEphemeral, re))
            let rs = try Self.publicKey(try symmetric.decryptAndHash(Array(message[32..<80])))
            symmetric.mixKey(try Self.dh(localEphemeral, rs))
            let (peer, key) = try Self.verify(try symmetric.decryptAndHash(Array(message.dropFirst(80))), staticKey: rs)
            if let expectedPeer, expectedPeer != peer {
                throw WireError(.peerIDMismatch, "dialed \(expectedPeer) but the peer is \(peer)")
            }
            // -> s, se
            var out = try symmetric.encryptAndHash(Array(localStatic.publicKey.rawRepresentation))
            symmetric.mixKey(try Self.dh(localStatic, re))
            out += try symmetric.encryptAndHash(try payload())
            stage = .done
            let (send, receive) = symmetric.split()
            return .complete(message: out, remote: peer, remoteKey: key, transport: NoiseTransport(send: send, receive: receive))

        case (.sentSecond, false):
            guard message.count >= 48 + 16 else { throw WireError(.truncated, "third Noise message is \(message.count) bytes, too short") }
            let rs = try Self.publicKey(try symmetric.decryptAndHash(Array(message.prefix(48))))
            symmetric.mixKey(try Self.dh(localEphemeral, rs))
            let (peer, key) = try Self.verify(try symmetric.decryptAndHash(Array(message.dropFirst(48))), staticKey: rs)
            stage = .done
            let (toResponder, toInitiator) = symmetric.split()
            return .complete(message: nil, remote: peer, remoteKey: key, transport: NoiseTransport(send: toInitiator, receive: toResponder))

        default:
            throw WireError(.protocolViolation, "unexpected Noise handshake message")
        }
    }

    /// This side's libp2p handshake payload.
    private func payload() throws -> [UInt8] {
        var p = P2pmq_Libp2p_Noise_NoiseHandshakePayload()
        p.identityKey = Data(identity.publicKey.protobuf)
        p.identitySig = Data(payloadSigner.sign(Self.signaturePrefix + Array(localStatic.publicKey.rawRepresentation)))
        return try p.serializedBytes()
    }

    /// Checks the remote payload: a known key type whose signature binds the Noise static key.
    /// (Static and internal so the fuzz driver reaches it: it decodes bytes from the network.)
    static func verify(_ bytes: [UInt8], staticKey: Curve25519.KeyAgreement.PublicKey) throws -> (PeerID, PublicKey) {
        let p: P2pmq_Libp2p_Noise_NoiseHandshakePayload
        do { p = try P2pmq_Libp2p_Noise_NoiseHandshakePayload(serializedBytes: bytes) } catch {
            throw WireError(.malformed, "Noise handshake payload is not a NoiseHandshakePayload protobuf")
        }
        guard p.hasIdentityKey, p.hasIdentitySig else { throw WireError(.malformed, "Noise handshake payload lacks the identity key or signature") }
        let key = try PublicKey(protobuf: Array(p.identityKey))
        let signed = Self.signaturePrefix + Array(staticKey.rawRepresentation)
        guard try key.verify(signature: Array(p.identitySig), message: signed) else {
            throw WireError(.badSignature, "Noise handshake: the identity signature over the static key does not verify")
        }
        return (PeerID(publicKey: key), key)
    }

    private static func publicKey<C: Collection>(_ bytes: C) throws -> Curve25519.KeyAgreement.PublicKey where C.Element == UInt8 {
        do { return try Curve25519.KeyAgreement.PublicKey(rawRepresentation: Array(bytes)) } catch {
            throw WireError(.malformed, "bad X25519 public key in the Noise handshake")
        }
    }

    private static func dh(_ local: Curve25519.KeyAgreement.PrivateKey, _ remote: Curve25519.KeyAgreement.PublicKey) throws -> [UInt8] {
        do {
            return try local.sharedSecretFromKeyAgreement(with: remote).withUnsafeBytes { Array($0) }
        } catch {
            throw WireError(.malformed, "X25519 key agreement failed (low-order point?)")
        }
    }
}
