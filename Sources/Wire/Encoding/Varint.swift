/// Unsigned LEB128 varints as multiformats use them: at most 9 bytes (63 bits), minimal encoding.
public enum Varint {
    public static let maxBytes = 9

    public static func encode(_ value: UInt64) -> [UInt8] {
        var out: [UInt8] = []
        append(value, to: &out)
        return out
    }

    public static func append(_ value: UInt64, to out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    public enum Decoded: Equatable {
        case value(UInt64, length: Int)
        /// More bytes are needed.
        case incomplete
    }

    /// Decodes from the start of `bytes`. Throws on overlong or non-minimal encodings.
    public static func decode<C: Collection>(_ bytes: C) throws -> Decoded where C.Element == UInt8 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        var length = 0
        for byte in bytes {
            length += 1
            guard length <= maxBytes else { throw WireError(.malformed, "varint longer than \(maxBytes) bytes") }
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 {
                if byte == 0, length > 1 { throw WireError(.malformed, "varint is not minimally encoded") }
                return .value(value, length: length)
            }
            shift += 7
        }
        return .incomplete
    }
}
