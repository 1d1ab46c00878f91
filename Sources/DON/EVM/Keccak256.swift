import CNettle

/// keccak256 as Ethereum uses it: the Keccak sponge (rate 136 bytes) with Keccak's original
/// padding (0x01 ... 0x80), which differs from SHA3-256's (0x06). The permutation is nettle's
/// `sha3_permute`; this file only absorbs and squeezes. Checked against the standard vectors
/// (EVMTests) and against Python's eth-hash.
public enum Keccak256 {
    static let rate = 136

    public static func hash(_ data: some Collection<UInt8>) -> [UInt8] {
        var state = sha3_state()
        let bytes = Array(data)
        var offset = 0
        while bytes.count - offset >= rate {
            absorb(&state, bytes, from: offset, count: rate)
            nettle_sha3_permute(&state)
            offset += rate
        }
        var last = [UInt8](repeating: 0, count: rate)
        let remaining = bytes.count - offset
        for i in 0..<remaining { last[i] = bytes[offset + i] }
        last[remaining] ^= 0x01
        last[rate - 1] ^= 0x80
        absorb(&state, last, from: 0, count: rate)
        nettle_sha3_permute(&state)
        var out = [UInt8]()
        out.reserveCapacity(32)
        withUnsafeBytes(of: &state.a) { lanes in
            for lane in 0..<4 {
                let value = lanes.load(fromByteOffset: lane * 8, as: UInt64.self).littleEndian
                for b in 0..<8 { out.append(UInt8(truncatingIfNeeded: value >> (8 * b))) }
            }
        }
        return out
    }

    /// XORs `count` bytes (whole lanes, little-endian) into the state.
    private static func absorb(_ state: inout sha3_state, _ bytes: [UInt8], from offset: Int, count: Int) {
        withUnsafeMutableBytes(of: &state.a) { lanes in
            for lane in 0..<(count / 8) {
                var value: UInt64 = 0
                for b in 0..<8 { value |= UInt64(bytes[offset + lane * 8 + b]) << (8 * b) }
                let current = lanes.load(fromByteOffset: lane * 8, as: UInt64.self).littleEndian
                lanes.storeBytes(of: (current ^ value).littleEndian, toByteOffset: lane * 8, as: UInt64.self)
            }
        }
    }
}
