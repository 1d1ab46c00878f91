/// Constants of `/p2pmq/sync/1.0.0` (proto/p2pmq/sync/sync.proto): one request per stream,
/// uvarint-length-prefixed protobuf messages.
public enum SyncProtocol {
    public static let id = "/p2pmq/sync/1.0.0"
    /// Most seqs one range request may cover.
    public static let maxCount: UInt32 = 1024
    /// Response byte budget when the request names none, and the most a request may ask for.
    public static let defaultMaxBytes: UInt64 = 4 << 20
    public static let maxMaxBytes: UInt64 = 16 << 20
    /// A request is a few topic names: anything bigger is abuse.
    public static let maxRequestBytes = 64 << 10

    public typealias Frame = P2pmq_Sync_RangeFrame
    public typealias End = P2pmq_Sync_RangeEnd

    public static func end(_ status: End.Status, next: UInt64, _ error: String = "", corrupt: UInt32 = 0) -> Frame {
        var e = End()
        e.status = status
        e.nextSeq = next
        e.error = error
        e.corruptSkipped = corrupt
        var f = Frame()
        f.end = e
        return f
    }

    public static func gap(_ from: UInt64, _ to: UInt64, _ reason: String) -> Frame {
        var g = P2pmq_Sync_Gap()
        g.fromSeq = from
        g.toSeq = to
        g.reason = reason
        var f = Frame()
        f.gap = g
        return f
    }
}
