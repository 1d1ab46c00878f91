import Crypto

/// The hash functions the layers above Wire need, so they use swift-crypto through one door
/// (Core imports no crypto library of its own).
public enum Digests {
    public static func sha256(_ data: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: data)) }

    /// Only for message ids (the Go p2pmq's `msgIDFn: {type: md5}`), never for security.
    public static func md5(_ data: [UInt8]) -> [UInt8] { Array(Insecure.MD5.hash(data: data)) }
}
