import Foundation
import Wire

/// How pubsub messages are authored (libp2p pubsub spec, "Message Signing").
public enum SignPolicy: String, Sendable {
    /// No author fields at all: messages carry topic and data only (the Go p2pmq default).
    case strictNoSign = "strict-no-sign"
    /// `from`, `seqno` and an Ed25519 signature are required on every message (py-libp2p and the
    /// go reference peers speak only this).
    case strictSign = "strict-sign"

    /// Why `m` breaks this policy, or nil when it complies (signature checked).
    public func violation(_ m: P2pmq_Libp2p_Pubsub_Message) -> String? {
        switch self {
        case .strictNoSign:
            return m.hasFrom || m.hasSeqno || m.hasSignature || m.hasKey
                ? "signing_policy: StrictNoSign message carries from/seqno/signature/key" : nil
        case .strictSign:
            return MessageSigning.verify(m)
        }
    }
}

/// Signatures over pubsub messages: Ed25519 over "libp2p-pubsub:" || the message protobuf without
/// its `signature` and `key` fields.
public enum MessageSigning {
    static let prefix = Array("libp2p-pubsub:".utf8)

    static func signedBytes(_ m: P2pmq_Libp2p_Pubsub_Message) -> [UInt8] {
        var unsigned = m
        unsigned.clearSignature()
        unsigned.clearKey()
        return prefix + ((try? unsigned.serializedBytes()) ?? [])
    }

    /// Fills in `from`, `signature` (and `key` when the peer id does not inline it).
    public static func sign(_ m: inout P2pmq_Libp2p_Pubsub_Message, with key: PrivateKey) {
        m.from = Data(key.peerID.bytes)
        m.signature = Data(key.sign(signedBytes(m)))
        if key.peerID.inlinedPublicKey == nil { m.key = Data(key.publicKey.protobuf) }
    }

    /// Nil when `m` is validly signed by its `from` peer, else why not.
    public static func verify(_ m: P2pmq_Libp2p_Pubsub_Message) -> String? {
        guard m.hasFrom, m.hasSeqno, m.hasSignature else { return "signing_policy: StrictSign message lacks from, seqno or signature" }
        guard let author = try? PeerID(bytes: Array(m.from)) else { return "signing_policy: from is not a peer id" }
        let key: PublicKey
        if m.hasKey {
            guard let k = try? PublicKey(protobuf: Array(m.key)), author.matches(k) else {
                return "signing_policy: key does not match from"
            }
            key = k
        } else if let inlined = author.inlinedPublicKey {
            key = inlined
        } else {
            return "signing_policy: no key for the author"
        }
        do {
            return try key.verify(signature: Array(m.signature), message: signedBytes(m)) ? nil : "bad_message_signature"
        } catch {
            return "signing_policy: \(error)"
        }
    }
}
