import Wire

/// Where a topic is advertised in the DHT. go-libp2p-pubsub's discovery advertises the namespace
/// "floodsub:" + topic as the CID v1 (raw codec) of its sha256; a DHT's provider records are keyed
/// by a CID's multihash (go-libp2p-kad-dht `Provide` sends `key.Hash()`), so the key on the wire
/// is the multihash sha2-256 (0x12 0x20) of "floodsub:" + topic. Agents of either implementation
/// thus find each other's topics.
public enum TopicRendezvous {
    public static func key(topic: String) -> [UInt8] {
        [0x12, 0x20] + Digests.sha256(Array(("floodsub:" + topic).utf8))
    }

    /// The CID v1 (raw) text form people and other tools show for it.
    public static func cid(topic: String) -> String {
        "b" + Base32.encode([0x01, 0x55] + key(topic: topic))
    }
}
