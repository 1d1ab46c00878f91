import Crypto

/// How a message id is derived from a pubsub message.
public enum MessageIDFunction: Sendable {
    /// The Go p2pmq's, with StrictNoSign: hex of the first 20 bytes of sha256(data), as bytes.
    case contentHash
    /// The libp2p default: from || seqno (the raw bytes), used with StrictSign.
    case fromAndSeqno

    public func id(_ m: P2pmq_Libp2p_Pubsub_Message) -> [UInt8] {
        switch self {
        case .contentHash: Array(Self.contentHash(of: Array(m.data)).utf8)
        case .fromAndSeqno: Array(m.from) + Array(m.seqno)
        }
    }

    /// The content-hash id as text: what the store keeps as `msg_id`.
    public static func contentHash(of data: [UInt8]) -> String {
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(40)
        for b in Array(SHA256.hash(data: data)).prefix(20) {
            out.append(hex[Int(b >> 4)])
            out.append(hex[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
