import Wire

/// A 20-byte EVM address: the last 20 bytes of keccak256 of a 64-byte public key. Read as 0x hex
/// in lower case, upper case or EIP-55 mixed case (whose checksum must then hold); written in
/// EIP-55 form.
public struct EVMAddress: Sendable, Hashable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) throws {
        guard bytes.count == 20 else { throw DONError(.invalidConfig, "an address is 20 bytes, got \(bytes.count)") }
        self.bytes = bytes
    }

    public init(publicKey: [UInt8]) {
        bytes = Array(Keccak256.hash(publicKey).suffix(20))
    }

    /// The address of a secp256k1 secret key.
    public init?(secretKey: [UInt8]) {
        guard let key = Secp256k1.publicKey(secretKey: secretKey) else { return nil }
        self.init(publicKey: key)
    }

    public init(hex text: String) throws {
        let body = text.hasPrefix("0x") || text.hasPrefix("0X") ? String(text.dropFirst(2)) : text
        guard body.count == 40, let bytes = Hex.decode(body.lowercased()) else {
            throw DONError(.invalidConfig, "'\(text)' is not an address (0x and 40 hex digits)")
        }
        try self.init(bytes: bytes)
        let hasUpper = body.contains { $0.isUppercase }, hasLower = body.contains { $0.isLowercase }
        if hasUpper && hasLower, body != String(description.dropFirst(2)) {
            throw DONError(.invalidConfig, "'\(text)' has a wrong EIP-55 checksum (expected \(description)): a typo?")
        }
    }

    /// EIP-55: hex digit i is upper case when nibble i of keccak256(lower-case hex) is 8 or more.
    public var description: String {
        let lower = Hex.encode(bytes)
        let hash = Keccak256.hash(Array(lower.utf8))
        var out = "0x"
        for (i, c) in lower.enumerated() {
            let nibble = (hash[i / 2] >> (i % 2 == 0 ? 4 : 0)) & 0x0f
            out.append(c.isLetter && nibble >= 8 ? Character(c.uppercased()) : c)
        }
        return out
    }
}
