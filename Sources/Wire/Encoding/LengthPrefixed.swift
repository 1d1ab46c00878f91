/// Splits a byte stream into uvarint-length-prefixed messages (multistream-select lines,
/// identify messages, sync frames), refusing any message over `maxLength`.
public struct LengthPrefixedReader: Sendable {
    /// The largest message accepted; may change between messages.
    public var maxLength: Int
    /// Unread bytes are `buffer[start...]`: taking a message moves `start` (compacted when the
    /// buffer runs dry or half of it is read), so a chunk holding many small messages is split in
    /// linear time.
    private var buffer: [UInt8] = []
    private var start = 0

    public init(maxLength: Int) { self.maxLength = maxLength }

    public mutating func append<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        if start > 0, start * 2 >= buffer.count {
            buffer.removeFirst(start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next whole message, or nil when more bytes are needed.
    public mutating func next() throws -> [UInt8]? {
        let unread = buffer[start...]
        guard case .value(let length, let header) = try Varint.decode(unread) else {
            if unread.count >= Varint.maxBytes { throw WireError(.malformed, "length prefix is not a varint") }
            return nil
        }
        guard length <= UInt64(maxLength) else {
            throw WireError(.tooLarge, "message of \(length) bytes is over the \(maxLength)-byte limit")
        }
        guard unread.count >= header + Int(length) else { return nil }
        let from = start + header
        let message = Array(buffer[from..<from + Int(length)])
        start = from + Int(length)
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.count <= 1 << 20)
            start = 0
        }
        return message
    }

    /// Bytes received after the last whole message.
    public mutating func takeRemainder() -> [UInt8] {
        defer {
            buffer = []
            start = 0
        }
        return Array(buffer[start...])
    }

    public static func frame(_ message: [UInt8]) -> [UInt8] {
        var out = Varint.encode(UInt64(message.count))
        out += message
        return out
    }
}
