/// Appends big-endian integers and length-prefixed byte strings. Big-endian keys make LMDB's
/// byte order equal numeric order, so cursors walk offsets and sequence numbers in order.
package struct BinaryWriter {
    package private(set) var bytes: [UInt8]

    package init(capacity: Int = 64) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    package mutating func u8(_ v: UInt8) { bytes.append(v) }

    package mutating func u16(_ v: UInt16) {
        bytes.append(UInt8(v >> 8))
        bytes.append(UInt8(truncatingIfNeeded: v))
    }

    package mutating func u32(_ v: UInt32) {
        withUnsafeBytes(of: v.bigEndian) { bytes.append(contentsOf: $0) }
    }

    package mutating func u64(_ v: UInt64) {
        withUnsafeBytes(of: v.bigEndian) { bytes.append(contentsOf: $0) }
    }

    package mutating func raw<C: Collection>(_ v: C) where C.Element == UInt8 { bytes.append(contentsOf: v) }

    /// A byte string of at most 65535 bytes with a 2-byte length.
    package mutating func short<C: Collection>(_ v: C) where C.Element == UInt8 {
        u16(UInt16(v.count))
        bytes.append(contentsOf: v)
    }

    /// A byte string of at most 4 GiB with a 4-byte length.
    package mutating func long<C: Collection>(_ v: C) where C.Element == UInt8 {
        u32(UInt32(v.count))
        bytes.append(contentsOf: v)
    }

    /// Overwrites 4 bytes at `index` (used to fill in a checksum after the body is written).
    package mutating func patchU32(_ v: UInt32, at index: Int) {
        bytes[index] = UInt8(v >> 24)
        bytes[index + 1] = UInt8(truncatingIfNeeded: v >> 16)
        bytes[index + 2] = UInt8(truncatingIfNeeded: v >> 8)
        bytes[index + 3] = UInt8(truncatingIfNeeded: v)
    }
}
