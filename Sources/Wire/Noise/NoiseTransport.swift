/// The two ciphers of an established Noise session and the 2-byte-length framing of the libp2p
/// Noise spec: each frame is at most 65535 bytes of ciphertext (65519 of plaintext).
public struct NoiseTransport: Sendable {
    public static let maxPlaintext = 65535 - 16
    private var send: NoiseCipherState
    private var receive: NoiseCipherState

    init(send: NoiseCipherState, receive: NoiseCipherState) {
        self.send = send
        self.receive = receive
    }

    /// Encrypts `plaintext` into as many framed messages as it needs.
    public mutating func seal(_ plaintext: [UInt8]) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(plaintext.count + (plaintext.count / Self.maxPlaintext + 1) * 18)
        var start = 0
        repeat {
            let end = min(start + Self.maxPlaintext, plaintext.count)
            let c = try send.encrypt(Array(plaintext[start..<end]), ad: [])
            out += NoiseFrameReader.frame(c)
            start = end
        } while start < plaintext.count
        return out
    }

    /// Decrypts every whole frame received so far; partial frames wait for more bytes.
    public mutating func open(_ bytes: [UInt8], into reader: inout NoiseFrameReader) throws -> [UInt8] {
        reader.append(bytes)
        var out: [UInt8] = []
        while let frame = reader.next() {
            out += try receive.decrypt(frame, ad: [])
        }
        return out
    }
}

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
