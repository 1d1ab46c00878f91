import Wire
/// Reads what `BinaryWriter` wrote, failing (returning nil) instead of trapping on short input,
/// because the bytes may come from a damaged file.
struct BinaryReader {
    let buffer: UnsafeRawBufferPointer
    private(set) var position = 0

    init(_ buffer: UnsafeRawBufferPointer) { self.buffer = buffer }

    var remaining: Int { buffer.count - position }

    mutating func u8() -> UInt8? {
        guard remaining >= 1 else { return nil }
        defer { position += 1 }
        return buffer[position]
    }

    mutating func u16() -> UInt16? {
        guard remaining >= 2 else { return nil }
        defer { position += 2 }
        return UInt16(buffer[position]) << 8 | UInt16(buffer[position + 1])
    }

    mutating func u32() -> UInt32? {
        guard remaining >= 4 else { return nil }
        defer { position += 4 }
        return UInt32(bigEndian: buffer.loadUnaligned(fromByteOffset: position, as: UInt32.self))
    }

    mutating func u64() -> UInt64? {
        guard remaining >= 8 else { return nil }
        defer { position += 8 }
        return UInt64(bigEndian: buffer.loadUnaligned(fromByteOffset: position, as: UInt64.self))
    }

    mutating func bytes(_ count: Int) -> UnsafeRawBufferPointer? {
        guard count >= 0, remaining >= count else { return nil }
        defer { position += count }
        return UnsafeRawBufferPointer(rebasing: buffer[position..<position + count])
    }

    mutating func short() -> UnsafeRawBufferPointer? {
        guard let n = u16() else { return nil }
        return bytes(Int(n))
    }

    mutating func long() -> UnsafeRawBufferPointer? {
        guard let n = u32() else { return nil }
        return bytes(Int(n))
    }

    mutating func shortString() -> String? {
        guard let b = short() else { return nil }
        return String(decoding: b, as: UTF8.self)
    }
}
