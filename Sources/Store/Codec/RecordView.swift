import Wire
/// A checked, undecoded look at one stored record: the checksum is verified and the field
/// boundaries found, but nothing is copied until a field is asked for. Valid only while the read
/// transaction that produced the bytes is open. Replays and scans that need a few fields of
/// millions of records use this; `LogRecord` is the owned, fully decoded form.
public struct RecordView {
    public let verdict: Verdict
    public let receivedAt: UInt64
    public let seq: UInt64
    public let messageIDBytes: UnsafeRawBufferPointer
    public let fromBytes: UnsafeRawBufferPointer
    public let donBytes: UnsafeRawBufferPointer
    public let reasonBytes: UnsafeRawBufferPointer
    public let data: UnsafeRawBufferPointer

    init(_ value: UnsafeRawBufferPointer, topic: String, offset: UInt64) throws {
        func corrupt(_ why: String) -> StoreError {
            StoreError(.corruptRecord, "record at topic '\(topic)' offset \(offset) is corrupt: \(why)")
        }
        var r = try RecordCodec.opened(value, corrupt)
        guard let verdictByte = r.u8(), let verdict = Verdict(rawValue: verdictByte),
              let received = r.u64(), let seq = r.u64(),
              let msgID = r.short(), let from = r.short(), let don = r.short(),
              let reason = r.short(), let data = r.long(), r.remaining == 0
        else { throw corrupt("fields do not decode") }
        self.verdict = verdict
        self.receivedAt = received
        self.seq = seq
        self.messageIDBytes = msgID
        self.fromBytes = from
        self.donBytes = don
        self.reasonBytes = reason
        self.data = data
    }

    public var messageID: String { String(decoding: messageIDBytes, as: UTF8.self) }
    public var from: String { String(decoding: fromBytes, as: UTF8.self) }
    public var don: String { String(decoding: donBytes, as: UTF8.self) }
    public var reason: String { String(decoding: reasonBytes, as: UTF8.self) }

    /// The owned form, for keeping beyond the transaction.
    public func record(topic: String, offset: UInt64) -> LogRecord {
        LogRecord(
            topic: topic, offset: offset, messageID: messageID, receivedAt: receivedAt, from: from,
            don: don, seq: seq, verdict: verdict, reason: reason, data: Array(data))
    }
}
