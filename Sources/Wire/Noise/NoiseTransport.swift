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
