import Wire
import GRDB

/// One peer's penalties, summed up for `p2pmq audit peers`.
public struct PeerPenaltySummary: Sendable, Equatable {
    public var peer: String
    public var count: Int
    public var byReason: [String: Int]
    public var lastSeen: UInt64
    public var totalScoreDelta: Double
}

/// What one peer forwarded to us, by verdict, for `p2pmq audit peer`.
public struct PeerDeliveries: Sendable, Equatable {
    public var accepted = 0
    public var ignored = 0
    public var rejected = 0

    public init() {}

    public var total: Int { accepted + ignored + rejected }
}

extension ReportIndex {
    /// Peers ranked by number of penalties, then by total score lost.
    public func peerPenaltySummaries() throws -> [PeerPenaltySummary] {
        try indexRead { db in
            var summaries = try Row.fetchAll(db, sql: """
                SELECT peer, COUNT(*), MAX(at_ns), TOTAL(score_delta) FROM penalties
                GROUP BY peer ORDER BY COUNT(*) DESC, TOTAL(score_delta) ASC, peer
                """).map { row in
                PeerPenaltySummary(
                    peer: row[0], count: row[1], byReason: [:], lastSeen: UInt64(bitPattern: row[2]),
                    totalScoreDelta: row[3])
            }
            var position: [String: Int] = [:]
            for (i, s) in summaries.enumerated() { position[s.peer] = i }
            for row in try Row.fetchAll(db, sql: "SELECT peer, reason, COUNT(*) FROM penalties GROUP BY peer, reason") {
                if let i = position[row[0] as String] { summaries[i].byReason[row[1]] = row[2] }
            }
            return summaries
        }
    }

    /// One peer's penalties in time order.
    public func penalties(peer: String) throws -> [PenaltyRecord] {
        try indexRead { db in
            try Row.fetchAll(db, sql: """
                SELECT n, peer, at_ns, topic, msg_id, reason, verdict, score_delta FROM penalties
                WHERE peer = ? ORDER BY at_ns, n
                """, arguments: [peer]).map { row in
                PenaltyRecord(
                    number: UInt64(row[0] as Int64), peer: row[1], at: UInt64(bitPattern: row[2]), topic: row[3],
                    messageID: row[4], reason: row[5], verdict: Verdict(name: row[6]) ?? .reject,
                    scoreDelta: row[7])
            }
        }
    }

    public func deliveries(from peer: String) throws -> PeerDeliveries {
        try indexRead { db in
            var d = PeerDeliveries()
            for row in try Row.fetchAll(db, sql: "SELECT verdict, COUNT(*) FROM records WHERE from_peer = ? GROUP BY verdict", arguments: [peer]) {
                switch Verdict(name: row[0]) {
                case .accept: d.accepted = row[1]
                case .ignore: d.ignored = row[1]
                case .reject: d.rejected = row[1]
                case nil: break
                }
            }
            return d
        }
    }
}
