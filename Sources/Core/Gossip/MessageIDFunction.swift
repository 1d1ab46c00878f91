import Wire

/// How a message id is derived from a pubsub message.
public enum MessageIDFunction: Sendable, Hashable {
    /// The digests the Go p2pmq's `msgIDFn.type` names.
    public enum Digest: String, Sendable, Hashable, CaseIterable {
        case sha256, md5

        public var length: Int { self == .sha256 ? 32 : 16 }

        func hash(_ data: [UInt8]) -> [UInt8] { self == .sha256 ? Digests.sha256(data) : Digests.md5(data) }
    }

    /// The Go p2pmq's (StrictNoSign): hex of the first `size` bytes of the digest of the data (at
    /// most the whole digest), as text bytes. Empty data has the empty id, as there.
    case hash(Digest, size: Int)
    /// The libp2p default: from || seqno (the raw bytes), used with StrictSign.
    case fromAndSeqno

    /// The Go p2pmq's default: sha256, 20 bytes.
    public static let contentHash = MessageIDFunction.hash(.sha256, size: 20)

    public func id(_ m: P2pmq_Libp2p_Pubsub_Message) -> [UInt8] {
        switch self {
        case .hash: Array(text(ofData: Array(m.data))!.utf8)
        case .fromAndSeqno: Array(m.from) + Array(m.seqno)
        }
    }

    /// The id of a message with `data` as text, for content ids (nil for from+seqno ids, which
    /// the data alone does not give).
    public func text(ofData data: [UInt8]) -> String? {
        guard case .hash(let digest, let size) = self else { return nil }
        guard !data.isEmpty else { return "" }
        return Hex.encode(digest.hash(data).prefix(max(0, size)))
    }

    /// An id as text: content-hash ids already are (hex), binary from+seqno ids become hex.
    public static func text(of id: [UInt8]) -> String {
        id.allSatisfy { $0 >= 0x30 && $0 < 0x7F } ? String(decoding: id, as: UTF8.self) : Hex.encode(id)
    }

    /// The default content-hash id as text (sha256, 20 bytes): what tools and tests without a
    /// config use as `msg_id`.
    public static func contentHash(of data: [UInt8]) -> String { contentHash.text(ofData: data)! }
}
