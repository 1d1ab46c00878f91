import Wire
/// Key layouts of the LMDB databases. All integers are big-endian so that byte order is numeric
/// order; a topic id prefix keeps each topic's entries together.
enum Keys {
    /// `log`: (topic id, offset)
    static func log(_ topic: UInt32, _ offset: UInt64) -> [UInt8] {
        var w = BinaryWriter(capacity: 12)
        w.u32(topic)
        w.u64(offset)
        return w.bytes
    }

    static func topicPrefix(_ topic: UInt32) -> [UInt8] {
        var w = BinaryWriter(capacity: 4)
        w.u32(topic)
        return w.bytes
    }

    /// `msgid`: (topic id, message id). Scoped by topic: the same data on two topics has the same
    /// StrictNoSign id but is two different messages.
    static func messageID(_ topic: UInt32, _ id: String) -> [UInt8] {
        var w = BinaryWriter(capacity: 4 + id.utf8.count)
        w.u32(topic)
        w.raw(id.utf8)
        return w.bytes
    }

    /// `heads`: (topic id, DON id)
    static func head(_ topic: UInt32, _ don: String) -> [UInt8] {
        var w = BinaryWriter(capacity: 4 + don.utf8.count)
        w.u32(topic)
        w.raw(don.utf8)
        return w.bytes
    }

    /// `donseq`: (topic id, DON id, seq); a DUPSORT database whose values are digest + offset,
    /// so two different reports for one seq (equivocation) are both kept.
    static func donSeq(_ topic: UInt32, _ don: String, _ seq: UInt64) -> [UInt8] {
        var w = BinaryWriter(capacity: 13 + don.utf8.count)
        w.u32(topic)
        w.short(don.utf8)
        w.u64(seq)
        return w.bytes
    }

    /// The part of a `donseq` key shared by every seq of one (topic, DON).
    static func donSeqPrefix(_ topic: UInt32, _ don: String) -> [UInt8] {
        var w = BinaryWriter(capacity: 6 + don.utf8.count)
        w.u32(topic)
        w.short(don.utf8)
        return w.bytes
    }

    /// `registry`: (DON id, config version); the value is the config update's log record.
    static func registry(_ don: String, _ version: UInt64) -> [UInt8] {
        var w = BinaryWriter(capacity: 10 + don.utf8.count)
        w.short(don.utf8)
        w.u64(version)
        return w.bytes
    }

    static func number(_ n: UInt64) -> [UInt8] {
        var w = BinaryWriter(capacity: 8)
        w.u64(n)
        return w.bytes
    }

    static func decodeU32(_ b: UnsafeRawBufferPointer, at: Int = 0) -> UInt32 {
        UInt32(bigEndian: b.loadUnaligned(fromByteOffset: at, as: UInt32.self))
    }

    static func decodeU64(_ b: UnsafeRawBufferPointer, at: Int = 0) -> UInt64 {
        UInt64(bigEndian: b.loadUnaligned(fromByteOffset: at, as: UInt64.self))
    }
}
