import Foundation

/// A private-network key (libp2p pnet, `/key/swarm/psk/1.0.0/`): 32 bytes that every member of
/// the network holds. The file has three lines: the header, an encoding (`/base16/`, `/base64/`
/// or `/bin/`), and the key.
public struct PreSharedKey: Sendable, Equatable {
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) throws {
        guard bytes.count == 32 else { throw WireError(.malformed, "a private network key is 32 bytes, got \(bytes.count)") }
        self.bytes = bytes
    }

    public init(fileContents data: [UInt8]) throws {
        let text = String(decoding: data, as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard lines.first == "/key/swarm/psk/1.0.0/" else {
            throw WireError(.malformed, "private network key file must start with /key/swarm/psk/1.0.0/")
        }
        lines.removeFirst()
        guard lines.count >= 2 else { throw WireError(.malformed, "private network key file lacks the encoding or the key line") }
        let encoding = lines[0], body = lines[1]
        switch encoding {
        case "/base16/":
            guard body.utf8.count == 64, let key = Hex.decode(body) else { throw WireError(.malformed, "private network key is not 64 hex characters") }
            try self.init(bytes: key)
        case "/base64/":
            guard let key = Data(base64Encoded: body) else { throw WireError(.malformed, "private network key is not base64") }
            try self.init(bytes: Array(key))
        case "/bin/":
            let start = data.count - 32
            guard start > 0 else { throw WireError(.malformed, "private network key file is too short") }
            try self.init(bytes: Array(data[start...]))
        default:
            throw WireError(.unsupported, "private network key encoding \(encoding) (use /base16/, /base64/ or /bin/)")
        }
    }

    /// The `/base16/` file form.
    public var fileContents: String {
        "/key/swarm/psk/1.0.0/\n/base16/\n" + Hex.encode(bytes) + "\n"
    }
}
