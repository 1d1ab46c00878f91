/// Splits a stream into 2-byte big-endian length-prefixed Noise frames.
public struct NoiseFrameReader: Sendable {
    private var buffer: [UInt8] = []
    private var start = 0

    public init() {}

    public mutating func append(_ bytes: [UInt8]) {
        if start > 0, start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        }
        buffer += bytes
    }

    public mutating func next() -> [UInt8]? {
        guard buffer.count - start >= 2 else { return nil }
        let length = Int(buffer[start]) << 8 | Int(buffer[start + 1])
        guard buffer.count - start >= 2 + length else { return nil }
        let frame = Array(buffer[start + 2..<start + 2 + length])
        start += 2 + length
        if start > 1 << 16 {
            buffer.removeFirst(start)
            start = 0
        }
        return frame
    }

    /// Bytes after the last whole frame (handed on when the reader is retired).
    public mutating func takeRemainder() -> [UInt8] {
        defer { buffer = []; start = 0 }
        return Array(buffer[start...])
    }

    public static func frame(_ payload: [UInt8]) -> [UInt8] {
        [UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)] + payload
    }
}
