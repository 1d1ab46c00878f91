import GRDB

/// How far a catch-up has come, for progress output on long rebuilds.
public struct CatchUpProgress: Sendable {
    public var topic: String
    public var indexed: UInt64
    public var total: UInt64
}

extension ReportIndex {
    /// Rows copied per SQLite transaction; also bounds how long one LMDB read transaction lives.
    static let chunk = 20_000

    /// Copies what the log gained since the stored cursors, and drops rows that retention removed
    /// from the log. Returns the number of records and penalties added.
    @discardableResult
    public func catchUp(from store: ReportStore, progress: ((CatchUpProgress) -> Void)? = nil) throws -> (records: Int, penalties: Int) {
        var added = 0
        for info in try store.topics() {
            var next = try indexRead { db in
                try Int64.fetchOne(db, sql: "SELECT next_offset FROM index_cursor WHERE topic = ?", arguments: [info.name])
            }.map { UInt64(bitPattern: $0) } ?? 0
            if next < info.firstOffset {
                try indexWrite { db in
                    try db.execute(
                        sql: #"DELETE FROM records WHERE topic = ? AND "offset" < ?"#,
                        arguments: [info.name, Int64(bitPattern: info.firstOffset)])
                }
                next = info.firstOffset
            }
            while next < info.nextOffset {
                var rows: [LogRecord] = []
                rows.reserveCapacity(Self.chunk)
                try store.scan(topic: info.name, from: next) { record in
                    rows.append(record)
                    return rows.count < Self.chunk
                }
                guard let last = rows.last else { break }
                next = last.offset + 1
                try insert(rows, topic: info.name, next: next)
                added += rows.count
                progress?(CatchUpProgress(topic: info.name, indexed: next - info.firstOffset, total: info.recordCount))
            }
        }
        return (added, try catchUpPenalties(from: store))
    }

    private func insert(_ rows: [LogRecord], topic: String, next: UInt64) throws {
        try indexWrite { db in
            let statement = try db.cachedStatement(sql: """
                INSERT OR REPLACE INTO records
                    (topic, "offset", msg_id, received_ns, from_peer, don, seq, verdict, reason, size)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for r in rows {
                try statement.execute(arguments: [
                    r.topic, Int64(bitPattern: r.offset), r.messageID, Int64(bitPattern: r.receivedAt), r.from,
                    r.don, Int64(bitPattern: r.seq), r.verdict.name, r.reason, r.data.count,
                ])
            }
            try db.execute(
                sql: "INSERT OR REPLACE INTO index_cursor (topic, next_offset) VALUES (?, ?)",
                arguments: [topic, Int64(bitPattern: next)])
        }
    }

    private func catchUpPenalties(from store: ReportStore) throws -> Int {
        var added = 0
        while true {
            let next = try indexRead { db in
                try Int64.fetchOne(db, sql: "SELECT MAX(n) FROM penalties").map { UInt64($0) + 1 } ?? 0
            }
            var rows: [PenaltyRecord] = []
            try store.penalties(from: next) { p in
                rows.append(p)
                return rows.count < Self.chunk
            }
            if rows.isEmpty { return added }
            try indexWrite { db in
                let statement = try db.cachedStatement(sql: """
                    INSERT OR REPLACE INTO penalties (n, peer, at_ns, topic, msg_id, reason, verdict, score_delta)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                for p in rows {
                    try statement.execute(arguments: [
                        Int64(p.number), p.peer, Int64(bitPattern: p.at), p.topic, p.messageID, p.reason,
                        p.verdict.name, p.scoreDelta,
                    ])
                }
            }
            added += rows.count
        }
    }
}
