import Store

/// The records the store and replay benchmarks write: two DONs alternating, distinct 40-hex
/// message ids, `size` bytes of data.
enum BenchRecords {
    static func make(_ i: Int, size: Int, topic: String = "bench") -> LogRecord {
        let don = i & 1 == 0 ? "don-a" : "don-b"
        var h = UInt64(i) &* 0x9E37_79B9_7F4A_7C15
        let hex = Array("0123456789abcdef".utf8)
        var id = [UInt8](repeating: 0, count: 40)
        for j in 0..<40 { id[j] = hex[Int(h & 15)]; h = h >> 4 | h << 60 }
        let data = (0..<size).map { UInt8(truncatingIfNeeded: i &+ $0) }
        return LogRecord(
            topic: topic, messageID: String(decoding: id, as: UTF8.self),
            receivedAt: 1_700_000_000_000_000_000 + UInt64(i) * 1_000_000,
            from: peer(i % 20),
            don: don, seq: UInt64(i / 2 + 1), verdict: .accept, reason: "new_head", data: data)
    }

    /// A 52-character peer-id-like name (native Swift string: no Foundation bridging in the loop).
    static func peer(_ n: Int) -> String {
        let name = "12D3KooWBenchPeer\(n)"
        return name + String(repeating: "x", count: 52 - name.count)
    }

    /// Appends `count` records in batches of `batch` (one group commit each) to `store`.
    static func fill(_ store: ReportStore, count: Int, size: Int, topic: String = "bench", batch: Int = 1000) throws {
        var done = 0
        while done < count {
            let n = min(batch, count - done)
            let items = (done..<done + n).map { i in
                let r = make(i, size: size, topic: topic)
                return AppendItem(record: r, reportDigest: Array(r.messageID.utf8.prefix(32)))
            }
            _ = try store.appendAndWait(items)
            done += n
        }
        try store.flush()
    }
}
