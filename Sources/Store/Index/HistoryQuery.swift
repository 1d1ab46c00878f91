import Wire
import GRDB

/// Filters of `p2pmq history`. Every field is optional; they combine with AND.
public struct HistoryQuery: Sendable, Equatable {
    public var topic: String?
    public var don: String?
    public var seqRange: ClosedRange<UInt64>?
    /// Nanoseconds since the epoch, inclusive.
    public var since: UInt64?
    public var until: UInt64?
    public var verdict: Verdict?
    public var from: String?
    /// The newest `limit` matches (still printed oldest first); nil for all.
    public var limit: Int?

    public init() {}
}

/// Where a matching record lives in the log.
public struct RecordLocation: Sendable, Equatable {
    public var topic: String
    public var offset: UInt64
}

extension ReportIndex {
    /// Locations of the records matching `query`, oldest first (by receive time, then offset).
    public func history(_ query: HistoryQuery) throws -> [RecordLocation] {
        var conditions: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        if let topic = query.topic { conditions.append("topic = ?"); arguments.append(topic) }
        if let don = query.don { conditions.append("don = ?"); arguments.append(don) }
        if let range = query.seqRange {
            conditions.append("seq BETWEEN ? AND ?")
            arguments.append(Int64(bitPattern: range.lowerBound))
            arguments.append(Int64(bitPattern: range.upperBound))
        }
        if let since = query.since { conditions.append("received_ns >= ?"); arguments.append(Int64(bitPattern: since)) }
        if let until = query.until { conditions.append("received_ns <= ?"); arguments.append(Int64(bitPattern: until)) }
        if let verdict = query.verdict { conditions.append("verdict = ?"); arguments.append(verdict.name) }
        if let from = query.from { conditions.append("from_peer = ?"); arguments.append(from) }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        var sql = #"SELECT topic, "offset" FROM records \#(whereClause) ORDER BY received_ns DESC, topic DESC, "offset" DESC"#
        if let limit = query.limit {
            sql += " LIMIT ?"
            arguments.append(limit)
        }
        let rows = try indexRead { db in
            try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments))
        }
        return rows.reversed().map { RecordLocation(topic: $0[0], offset: UInt64(bitPattern: $0[1])) }
    }

    /// Number of indexed records (all topics).
    public func recordCount() throws -> Int {
        try indexRead { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM records") ?? 0 }
    }
}
