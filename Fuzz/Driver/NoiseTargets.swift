import Crypto
@testable import Wire

/// Keys made once: generating them per input would be most of the work.
nonisolated(unsafe) private let responderIdentity = PrivateKey.generate()
// libFuzzer calls in one thread.
nonisolated(unsafe) private let staticKey = Curve25519.KeyAgreement.PrivateKey()

/// Noise: a responder fed a first handshake message, the handshake payload (protobuf, identity
/// key, signature over the static key) and libp2p public keys, and a transport opening frames.
func fuzzNoise(_ bytes: [UInt8]) {
    guard let selector = bytes.first else { return }
    let input = Array(bytes.dropFirst())
    switch selector % 4 {
    case 0:
        var responder = NoiseHandshake(initiator: false, identity: responderIdentity)
        _ = try? responder.receive(input)
        _ = try? responder.receive(input)
    case 1:
        if let (peer, key) = try? NoiseHandshake.verify(input, staticKey: staticKey.publicKey) {
            precondition(PeerID(publicKey: key) == peer)
        }
    case 2:
        if let key = try? PublicKey(protobuf: input) {
            _ = PeerID(publicKey: key)
            _ = try? key.verify(signature: input, message: input)
        }
    default:
        _ = try? PeerID(String(decoding: input, as: UTF8.self)); _ = try? PeerID(bytes: input)
        _ = try? Multiaddr(String(decoding: input, as: UTF8.self))
        _ = try? Multiaddr(bytes: input)
    }
}
