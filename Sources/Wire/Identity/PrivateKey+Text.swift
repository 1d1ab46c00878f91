import Foundation

/// The text form of a node key: base64 of the libp2p protobuf private key. The Go p2pmq writes it
/// without padding (`base64.RawStdEncoding`, its `keygen` and `privateKey`); earlier versions of
/// this agent wrote it padded. Both are read; the Go form is written by default so that either
/// agent takes the other's key and keeps the peer id.
extension PrivateKey {
    /// Reads padded or unpadded standard base64 (surrounding white space ignored).
    public init(base64 text: String) throws {
        guard let bytes = Base64.decode(text) else {
            throw WireError(.malformed, "not base64 (standard alphabet, with or without = padding)")
        }
        try self.init(protobuf: bytes)
    }

    /// Unpadded by default, as the Go agent writes and reads it.
    public func base64(padded: Bool = false) -> String { Base64.encode(protobuf, padded: padded) }
}
