import Crypto

/// Gossipsub message ids under StrictNoSign as the Go p2pmq computes them: hex of the first 20
/// bytes of sha256(data). (Moves to the Gossip layer when it exists.)
public enum MessageID {
    public static func strictNoSign(_ data: [UInt8]) -> String {
        hex(Array(SHA256.hash(data: data)).prefix(20))
    }
}
