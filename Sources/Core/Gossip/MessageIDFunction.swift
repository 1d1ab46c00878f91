import Wire

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

    /// An id as text: content-hash ids already are (hex), binary from+seqno ids become hex.
    public static func text(of id: [UInt8]) -> String {
        id.allSatisfy { $0 >= 0x30 && $0 < 0x7F } ? String(decoding: id, as: UTF8.self) : Hex.encode(id)
    }

    /// The content-hash id as text: what the store keeps as `msg_id`.
    public static func contentHash(of data: [UInt8]) -> String {
        Hex.encode(Digests.sha256(data).prefix(20))
    }
}
