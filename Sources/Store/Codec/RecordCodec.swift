import Wire
/// The on-disk value of a `log` record and of a `penalties` entry (format version 1):
///
///     u8 version | u32 crc32c(rest) | rest
///
/// record rest:  u8 verdict, u64 received ns, u64 seq, short msg id, short from, short DON,
///               short reason, long data
/// penalty rest: u8 verdict, u64 at ns, u64 score delta (IEEE bits), short peer, short topic,
///               short msg id, short reason
///
/// (short = u16 length + bytes, long = u32 length + bytes, big-endian.) The checksum lets a read
/// tell a damaged value from a real one and name the record.
enum RecordCodec {
    static let version: UInt8 = 1
    static let maxShort = Int(UInt16.max)

    static func encode(_ r: LogRecord) throws -> [UInt8] {
        try checkShort(r.messageID, "message id")
        try checkShort(r.from, "from peer")
        try checkShort(r.don, "DON id")
        try checkShort(r.reason, "reason")
        guard r.data.count <= Int(UInt32.max) else { throw StoreError(.invalidArgument, "record data is over 4 GiB") }
        var w = BinaryWriter(capacity: 48 + r.messageID.utf8.count + r.from.utf8.count + r.don.utf8.count + r.reason.utf8.count + r.data.count)
        w.u8(version)
        w.u32(0)
        w.u8(r.verdict.rawValue)
        w.u64(r.receivedAt)
        w.u64(r.seq)
        w.short(r.messageID.utf8)
        w.short(r.from.utf8)
        w.short(r.don.utf8)
        w.short(r.reason.utf8)
        w.long(r.data)
        return sealed(w)
    }

    static func decodeRecord(_ value: UnsafeRawBufferPointer, topic: String, offset: UInt64) throws -> LogRecord {
        try RecordView(value, topic: topic, offset: offset).record(topic: topic, offset: offset)
    }

    static func encode(_ p: PenaltyRecord) throws -> [UInt8] {
        try checkShort(p.peer, "peer")
        try checkShort(p.topic, "topic")
        try checkShort(p.messageID, "message id")
        try checkShort(p.reason, "reason")
        var w = BinaryWriter(capacity: 64 + p.peer.utf8.count + p.reason.utf8.count)
        w.u8(version)
        w.u32(0)
        w.u8(p.verdict.rawValue)
        w.u64(p.at)
        w.u64(p.scoreDelta.bitPattern)
        w.short(p.peer.utf8)
        w.short(p.topic.utf8)
        w.short(p.messageID.utf8)
        w.short(p.reason.utf8)
        return sealed(w)
    }

    static func decodePenalty(_ value: UnsafeRawBufferPointer, number: UInt64) throws -> PenaltyRecord {
        func corrupt(_ why: String) -> StoreError {
            StoreError(.corruptRecord, "penalty record \(number) is corrupt: \(why)")
        }
        var r = try opened(value, corrupt)
        guard let verdictByte = r.u8(), let verdict = Verdict(rawValue: verdictByte),
              let at = r.u64(), let delta = r.u64(),
              let peer = r.shortString(), let topic = r.shortString(), let msgID = r.shortString(),
              let reason = r.shortString(), r.remaining == 0
        else { throw corrupt("fields do not decode") }
        return PenaltyRecord(
            number: number, peer: peer, at: at, topic: topic, messageID: msgID, reason: reason,
            verdict: verdict, scoreDelta: Double(bitPattern: delta))
    }

    /// Fills in the checksum over everything after the 5-byte header.
    private static func sealed(_ w: BinaryWriter) -> [UInt8] {
        var w = w
        let crc = w.bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[5...])) }
        w.patchU32(crc, at: 1)
        return w.bytes
    }

    /// Checks version and checksum and returns a reader positioned after the header.
    static func opened(_ value: UnsafeRawBufferPointer, _ corrupt: (String) -> StoreError) throws -> BinaryReader {
        var r = BinaryReader(value)
        guard let v = r.u8(), let crc = r.u32() else { throw corrupt("value is \(value.count) bytes, shorter than its header") }
        guard v == version else { throw corrupt("unknown format version \(v)") }
        let actual = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: value[5...]))
        guard actual == crc else { throw corrupt("checksum mismatch (stored \(crc), computed \(actual))") }
        return r
    }

    private static func checkShort(_ s: String, _ what: String) throws {
        guard s.utf8.count <= maxShort else {
            throw StoreError(.invalidArgument, "\(what) is \(s.utf8.count) bytes; at most \(maxShort) fit")
        }
    }
}

extension LogRecord {
    /// Bytes this record takes as a stored value (header, checksum and fields).
    public func storedSize() throws -> Int { try RecordCodec.encode(self).count }
}
