import Foundation

extension P2pmq_Don_Report {
    /// The report a DON of `config` makes for `seq` (round = seq, epoch 1): what producers,
    /// fixtures and the hostile peer sign.
    public static func make(config: DONConfig, seq: UInt64, payload: String, timestamp: UInt64) -> P2pmq_Don_Report {
        var r = P2pmq_Don_Report()
        r.donID = config.id
        r.configDigest = Data(config.digest)
        r.epoch = 1
        r.round = seq
        r.seq = seq
        r.payload = Data(payload.utf8)
        r.timestamp = timestamp
        return r
    }
}
