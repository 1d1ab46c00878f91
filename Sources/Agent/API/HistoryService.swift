import Wire
import AgentAPI
import Foundation
import GRPCCore
import Store

/// `proto.History`: report history (through the SQLite index, caught up from the log on each
/// query), heads per (topic, DON), and the penalty history.
struct HistoryService: Proto_History.SimpleServiceProtocol {
    let node: AgentNode

    func query(request: Proto_HistoryRequest, response: RPCWriter<Proto_Record>, context: ServerContext) async throws {
        let store = node.store
        if !request.topic.isEmpty, try store.topic(request.topic) == nil {
            throw RPCError(code: .notFound, message: "unknown topic '\(request.topic)'")
        }
        var q = HistoryQuery()
        q.topic = request.topic.isEmpty ? nil : request.topic
        q.don = request.don.isEmpty ? nil : request.don
        if request.hasFromSeq || request.hasToSeq {
            let lo = request.hasFromSeq ? request.fromSeq : 0, hi = request.hasToSeq ? request.toSeq : .max
            guard lo <= hi else { throw RPCError(code: .invalidArgument, message: "from_seq \(lo) is above to_seq \(hi)") }
            q.seqRange = lo...hi
        }
        q.since = request.hasSinceNs ? UInt64(max(0, request.sinceNs)) : nil
        q.until = request.hasUntilNs ? UInt64(max(0, request.untilNs)) : nil
        q.from = request.peer.isEmpty ? nil : request.peer
        q.verdict = Verdict(request.verdict)
        q.limit = Int(request.limit == 0 ? 100 : request.limit)
        let index = try await node.index()
        for location in try index.history(q) {
            guard let r = try store.record(topic: location.topic, offset: location.offset) else { continue }
            try await response.write(.with {
                $0.topic = r.topic
                $0.offset = r.offset
                $0.messageID = r.messageID
                $0.receivedNs = Int64(clamping: r.receivedAt)
                $0.from = r.from
                $0.don = r.don
                $0.seq = r.seq
                $0.verdict = Proto_ValidationResult(r.verdict)
                $0.data = Data(r.data)
            })
        }
    }

    func heads(request: Proto_HeadsRequest, context: ServerContext) async throws -> Proto_HeadsResponse {
        let heads = try node.store.heads(topic: request.topic.isEmpty ? nil : request.topic)
        return .with {
            $0.heads = heads.map { h in .with { $0.topic = h.topic; $0.don = h.don; $0.seq = h.seq; $0.offset = h.offset } }
        }
    }

    func penalties(request: Proto_PenaltiesRequest, response: RPCWriter<Proto_Penalty>, context: ServerContext) async throws {
        var matches: [PenaltyRecord] = []
        let limit = Int(request.limit == 0 ? 100 : request.limit)
        try node.store.penalties { p in
            if (request.peer.isEmpty || p.peer == request.peer) && (!request.hasSinceNs || p.at >= UInt64(max(0, request.sinceNs))) {
                matches.append(p)
                if matches.count > limit { matches.removeFirst() }  // keep the newest `limit`
            }
            return true
        }
        for p in matches {
            try await response.write(.with {
                $0.peer = p.peer
                $0.timeNs = Int64(clamping: p.at)
                $0.topic = p.topic
                $0.messageID = p.messageID
                $0.reason = p.reason
                $0.verdict = Proto_ValidationResult(p.verdict)
                $0.scoreDelta = p.scoreDelta
            })
        }
    }
}

extension Proto_ValidationResult {
    init(_ v: Verdict) {
        switch v {
        case .accept: self = .accept
        case .ignore: self = .ignore
        case .reject: self = .reject
        }
    }
}

extension Verdict {
    /// nil for NIL (any verdict).
    init?(_ v: Proto_ValidationResult) {
        switch v {
        case .accept: self = .accept
        case .ignore: self = .ignore
        case .reject: self = .reject
        default: return nil
        }
    }
}
