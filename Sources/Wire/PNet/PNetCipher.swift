import CSodium

/// One direction of a private-network connection: XSalsa20 keyed by the network key, with the
/// sender's 24-byte nonce, over the whole byte stream. libsodium provides the cipher; this keeps
/// the stream position so chunks of any size line up with the 64-byte keystream blocks.
public struct PNetCipher: Sendable {
    public static let nonceSize = 24
    private let key: [UInt8]
    private let nonce: [UInt8]
    private var position: UInt64 = 0

    public init(key: PreSharedKey, nonce: [UInt8]) {
        precondition(nonce.count == Self.nonceSize)
        self.key = key.bytes
        self.nonce = nonce
    }

    /// XORs the keystream over `bytes` (encrypts and decrypts alike).
    public mutating func apply(_ bytes: [UInt8]) -> [UInt8] {
        guard !bytes.isEmpty else { return [] }
        let skip = Int(position % 64)
        // Start at the block holding `position`, padding with `skip` bytes to reach it.
        var input = [UInt8](repeating: 0, count: skip)
        input += bytes
        var output = [UInt8](repeating: 0, count: input.count)
        _ = output.withUnsafeMutableBufferPointer { out in
            input.withUnsafeBufferPointer { inp in
                nonce.withUnsafeBufferPointer { n in
                    key.withUnsafeBufferPointer { k in
                        crypto_stream_xsalsa20_xor_ic(out.baseAddress!, inp.baseAddress!, UInt64(inp.count), n.baseAddress!, position / 64, k.baseAddress!)
                    }
                }
            }
        }
        position += UInt64(bytes.count)
        return Array(output[skip...])
    }

    public static func randomNonce() -> [UInt8] {
        var n = [UInt8](repeating: 0, count: nonceSize)
        randombytes_buf(&n, nonceSize)
        return n
    }
}
