/// Which seqs to ask which peer for, during one catch-up round. Pure state: the sync service
/// feeds it what peers hold (their Status) and what came of each request, and asks it for the
/// next request to send. Every completed request either covers seqs, teaches the plan that the
/// peer lacks some, or excludes the peer, so a round always ends.
public struct CatchUpPlan: Sendable {
    public struct Stream: Hashable, Comparable, Sendable, CustomStringConvertible {
        public var topic: String
        public var don: String
        public init(topic: String, don: String) {
            self.topic = topic
            self.don = don
        }
        public static func < (a: Stream, b: Stream) -> Bool { (a.topic, a.don) < (b.topic, b.don) }
        public var description: String { "\(topic)/\(don)" }
    }

    /// A peer's Status for one stream: it holds accepted seqs [first, head] (maybe with holes).
    public struct Holder: Equatable, Sendable {
        public var peer: String
        public var first: UInt64
        public var head: UInt64
        public init(peer: String, first: UInt64, head: UInt64) {
            self.peer = peer
            self.first = first
            self.head = head
        }
    }

    public struct Request: Equatable, Sendable {
        public var id: Int
        public var peer: String
        public var stream: Stream
        public var start: UInt64
        public var count: UInt32
        public init(id: Int, peer: String, stream: Stream, start: UInt64, count: UInt32) {
            (self.id, self.peer, self.stream, self.start, self.count) = (id, peer, stream, start, count)
        }
        public var range: ClosedRange<UInt64> { start...(start + UInt64(count) - 1) }
    }

    /// What came of a request.
    public struct Result: Sendable {
        /// Seqs now held locally (appended, or already there).
        public var covered = SeqRanges()
        /// Seqs the peer declared it cannot send, or whose records it sent did not validate.
        public var lacking = SeqRanges()
        /// The peer broke the protocol, sent forged data or stalled: ask others for the rest.
        public var excludePeer = false
        public init(covered: SeqRanges = SeqRanges(), lacking: SeqRanges = SeqRanges(), excludePeer: Bool = false) {
            self.covered = covered
            self.lacking = lacking
            self.excludePeer = excludePeer
        }
    }

    public let maxCount: UInt32
    public let perPeerLimit: Int
    /// Requests in flight per stream. One: records of a stream are then appended in seq order,
    /// so the head never runs ahead of a seq that is still being fetched, and a live report
    /// held up in validation is never judged stale because of our own catch-up.
    public let perStreamLimit = 1
    private var streamBusy: [Stream: Int] = [:]
    private var pending: [Stream: SeqRanges]
    private var holders: [Stream: [Holder]]
    private var lacking: [Stream: [String: SeqRanges]] = [:]
    public private(set) var excluded: Set<String> = []
    private var inFlight: [Int: Request] = [:]
    /// The pending seqs each request in flight was sent for (its range may span seqs held
    /// already: one wide request beats one per hole when holders are sparse).
    private var wanted: [Int: SeqRanges] = [:]
    private var busy: [String: Int] = [:]
    /// Times each peer was picked, to spread requests.
    private var picks: [String: Int] = [:]
    private var nextID = 1
    /// Seqs no peer could provide this round.
    public private(set) var unavailable: [Stream: SeqRanges] = [:]

    public init(missing: [Stream: SeqRanges], holders: [Stream: [Holder]], maxCount: UInt32 = SyncProtocol.maxCount, perPeerLimit: Int = 1) {
        self.pending = missing.filter { !$0.value.isEmpty }
        self.holders = holders
        self.maxCount = maxCount
        self.perPeerLimit = perPeerLimit
    }

    public var isDone: Bool { inFlight.isEmpty && pending.values.allSatisfy(\.isEmpty) }
    public var inFlightCount: Int { inFlight.count }

    /// The next request to send now, or nil when none can start (all done, or every peer that
    /// could serve the next seqs is busy).
    public mutating func next() -> Request? {
        for stream in pending.keys.sorted() where streamBusy[stream, default: 0] < perStreamLimit {
            while let range = pending[stream]?.first {
                let start = range.lowerBound
                var best: Holder?
                var waitForBusy = false
                var nearest: UInt64?
                for h in holders[stream] ?? [] where !excluded.contains(h.peer) {
                    guard let n = nextServable(h, stream, from: start) else { continue }
                    if n > start {
                        nearest = min(nearest ?? n, n)
                    } else if busy[h.peer, default: 0] >= perPeerLimit {
                        waitForBusy = true
                    } else if best == nil || picks[h.peer, default: 0] < picks[best!.peer, default: 0] {
                        best = h
                    }
                }
                if let best {
                    // Up to the last pending seq, not just this piece: after a partition each
                    // holder has every n-th seq, and one request per hole (a few seqs each, one
                    // at a time per stream) took seconds. Held seqs inside come back and are
                    // recognized as held.
                    let spanEnd = pending[stream]!.ranges.last!.upperBound
                    var end = min(spanEnd, best.head, start + UInt64(maxCount) - 1)
                    if let hole = lacking[stream]?[best.peer]?.firstMember(atOrAfter: start), hole <= end { end = hole - 1 }
                    let request = Request(id: nextID, peer: best.peer, stream: stream, start: start, count: UInt32(end - start + 1))
                    nextID += 1
                    wanted[request.id] = pending[stream]!.clamped(to: request.range)
                    pending[stream]!.remove(request.range)
                    inFlight[request.id] = request
                    busy[best.peer, default: 0] += 1
                    streamBusy[stream, default: 0] += 1
                    picks[best.peer, default: 0] += 1
                    return request
                }
                if waitForBusy { break }
                // Nobody can serve `start`: give up on it up to where someone could.
                let stop = nearest.map { min($0 - 1, range.upperBound) } ?? range.upperBound
                pending[stream]!.remove(start...stop)
                unavailable[stream, default: SeqRanges()].insert(start...stop)
            }
        }
        return nil
    }

    public mutating func completed(_ request: Request, _ result: Result) {
        guard inFlight.removeValue(forKey: request.id) != nil else { return }
        busy[request.peer, default: 1] -= 1
        streamBusy[request.stream, default: 1] -= 1
        var rest = wanted.removeValue(forKey: request.id) ?? SeqRanges([request.range])
        for r in result.covered.ranges { rest.remove(r) }
        var lacks = result.lacking
        if result.covered.isEmpty, result.lacking.isEmpty, !result.excludePeer {
            // Nothing came of it (refused, or ended early with nothing): do not ask again.
            lacks.insert(request.range)
        }
        for r in lacks.ranges { lacking[request.stream, default: [:]][request.peer, default: SeqRanges()].insert(r) }
        if result.excludePeer { excluded.insert(request.peer) }
        for r in rest.ranges { pending[request.stream, default: SeqRanges()].insert(r) }
    }

    /// The first seq >= `seq` that `h` could send: within its [first, head], not declared lacking.
    private func nextServable(_ h: Holder, _ stream: Stream, from seq: UInt64) -> UInt64? {
        var s = max(seq, h.first)
        if let lacks = lacking[stream]?[h.peer] {
            while let r = lacks.range(containing: s) {
                guard r.upperBound < .max else { return nil }
                s = r.upperBound + 1
            }
        }
        return s <= h.head ? s : nil
    }
}
