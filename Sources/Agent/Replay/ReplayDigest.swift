import Wire
import Crypto
import Store

/// A digest chained over (offset, message id, verdict) of every replayed record, in log order:
/// d0 = 32 zero bytes, d(i+1) = sha256(d(i) || u64 offset || u16 id length || id || u8 verdict),
/// big-endian. Same log and same verdicts give the same digest, whatever the timing.
public struct ReplayDigest: Sendable, Equatable {
    public private(set) var bytes = [UInt8](repeating: 0, count: 32)

    public init() {}

    public mutating func add(offset: UInt64, messageID: String, verdict: Verdict) {
        var w = BinaryWriter(capacity: 32 + 11 + messageID.utf8.count)
        w.raw(bytes)
        w.u64(offset)
        w.short(messageID.utf8)
        w.u8(verdict.rawValue)
        bytes = Array(SHA256.hash(data: w.bytes))
    }

    public var hex: String { bytes.map { String($0, radix: 16).leftPadded(2) }.joined() }
}
