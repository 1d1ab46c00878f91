/// Splits a byte stream into uvarint-length-prefixed messages (multistream-select lines,
/// identify messages, sync frames), refusing any message over `maxLength`.
public struct LengthPrefixedReader: Sendable {
    public let maxLength: Int
    private var buffer: [UInt8] = []

    public init(maxLength: Int) { self.maxLength = maxLength }

    public mutating func append<C: Collection>(_ bytes: C) where C.Element == UInt8 { buffer.append(contentsOf: bytes) }

    /// The next whole message, or nil when more bytes are needed.
    public mutating func next() throws -> [UInt8]? {
        guard case .value(let length, let header) = try Varint.decode(buffer) else {
            if buffer.count >= Varint.maxBytes { throw WireError(.malformed, "length prefix is not a varint") }
            return nil
        }
        guard length <= UInt64(maxLength) else {
            throw WireError(.tooLarge, "message of \(length) bytes is over the \(maxLength)-byte limit")
        }
        guard buffer.count >= header + Int(length) else { return nil }
        let message = Array(buffer[header..<header + Int(length)])
        buffer.removeFirst(header + Int(length))
        return message
    }

    /// Bytes received after the last whole message.
    public mutating func takeRemainder() -> [UInt8] {
        defer { buffer = [] }
        return buffer
    }

    public static func frame(_ message: [UInt8]) -> [UInt8] {
        var out = Varint.encode(UInt64(message.count))
        out += message
        return out
    }
}
