/// What happens in a network run and when, as a value: the network's shape (DONs, nodes, the
/// byzantine node, hostile peers, the late joiner), the report rate, and a timeline of events at
/// seconds from the start of production. `p2pmq devnet` runs one (built from its flags, or
/// loaded from YAML with `--scenario`); the simulator of issue 21 is meant to run the same files.
/// Pure: `ScenarioTimeline` says which events are due at a time; the devnet carries them out.
public struct Scenario: Codable, Sendable, Equatable {
    public struct Event: Codable, Sendable, Equatable {
        public enum Kind: String, Codable, Sendable, CaseIterable {
            /// The byzantine node starts / stops sending invalid reports on every DON's topic.
            case byzantineStart = "byzantine-start"
            case byzantineStop = "byzantine-stop"
            /// The late joiner starts with an empty store and catches up.
            case lateJoiner = "late-joiner"
            /// The hostile peers start attacking every honest agent.
            case hostileStart = "hostile-start"
            /// `don`'s hosts are cut off / healed (cluster mode).
            case partitionCut = "partition-cut"
            case partitionHeal = "partition-heal"
            /// From here on, every `every` seconds a random DON node's agent is SIGKILLed and
            /// restarted.
            case churnStart = "churn-start"
        }

        /// Seconds from the start of production.
        public var at: Double
        public var kind: Kind
        public var don: String?
        public var every: Double?

        public init(at: Double, kind: Kind, don: String? = nil, every: Double? = nil) {
            self.at = at
            self.kind = kind
            self.don = don
            self.every = every
        }
    }

    /// Seconds reports are produced.
    public var duration: Double
    /// Reports per second per DON.
    public var rate: Double
    public var dons: Int
    public var nodes: Int
    public var byzantine: Int
    public var lateJoiner: Bool
    public var hostile: Int
    public var events: [Event]

    public init(duration: Double, rate: Double, dons: Int, nodes: Int, byzantine: Int, lateJoiner: Bool, hostile: Int, events: [Event]) {
        (self.duration, self.rate, self.dons, self.nodes) = (duration, rate, dons, nodes)
        (self.byzantine, self.lateJoiner, self.hostile) = (byzantine, lateJoiner, hostile)
        self.events = events.sorted { $0.at < $1.at }
    }

    /// The devnet's standard run: the byzantine node attacks from 10 % to 45 % of the run (so
    /// the late joiner, starting at 50 %, meets the honest network), hostile peers and churn from
    /// 10 %, an optional partition.
    public static func standard(duration: Double, rate: Double, dons: Int = 3, nodes: Int = 4, byzantine: Int = 1, lateJoiner: Bool = true,
                                hostile: Int = 0, churnEvery: Double? = nil,
                                partition: (don: String, start: Double, length: Double)? = nil) -> Scenario {
        var events: [Event] = []
        if byzantine > 0 {
            events.append(Event(at: duration * 0.1, kind: .byzantineStart))
            events.append(Event(at: duration * 0.45, kind: .byzantineStop))
        }
        if lateJoiner { events.append(Event(at: duration * 0.5, kind: .lateJoiner)) }
        if hostile > 0 { events.append(Event(at: duration * 0.1, kind: .hostileStart)) }
        if let every = churnEvery { events.append(Event(at: duration * 0.1, kind: .churnStart, every: every)) }
        if let p = partition {
            events.append(Event(at: p.start, kind: .partitionCut, don: p.don))
            events.append(Event(at: p.start + p.length, kind: .partitionHeal, don: p.don))
        }
        return Scenario(duration: duration, rate: rate, dons: dons, nodes: nodes, byzantine: byzantine, lateJoiner: lateJoiner,
                        hostile: hostile, events: events)
    }

    /// What is wrong with it, for a clear error before anything starts (nil: nothing).
    public var problem: String? {
        if !(duration > 0) { return "duration must be more than 0 seconds" }
        if !(rate > 0) { return "rate must be more than 0 reports a second" }
        if dons < 1 || nodes < 1 { return "dons and nodes must be at least 1" }
        if byzantine < 0 || byzantine > 1 { return "byzantine must be 0 or 1" }
        if hostile < 0 { return "hostile must be 0 or more" }
        for (i, e) in events.enumerated() {
            let name = "events[\(i)] (\(e.kind.rawValue))"
            if e.at < 0 || e.at > duration { return "\(name): at \(e.at) s is outside the run's 0...\(duration) s" }
            let needs: String? = switch e.kind {
            case .partitionCut, .partitionHeal: e.don == nil ? "a don" : nil
            case .churnStart: (e.every ?? 0) > 0 ? nil : "every > 0 (seconds)"
            case .byzantineStart, .byzantineStop: byzantine == 0 ? "byzantine: 1" : nil
            case .lateJoiner: lateJoiner ? nil : "lateJoiner: true"
            case .hostileStart: hostile == 0 ? "hostile > 0" : nil
            }
            if let needs { return "\(name) needs \(needs)" }
        }
        return nil
    }

    /// The partition (don, start, length), if the timeline cuts and heals one.
    public var partition: (don: String, start: Double, length: Double)? {
        guard let cut = events.first(where: { $0.kind == .partitionCut }), let don = cut.don else { return nil }
        let heal = events.first { $0.kind == .partitionHeal && $0.don == don && $0.at >= cut.at }
        return (don, cut.at, (heal?.at ?? duration) - cut.at)
    }

    /// The churn interval, if the timeline starts churn.
    public var churnEvery: Double? { events.first { $0.kind == .churnStart }?.every }
}

// In files, times are Go durations ("30s", "13.5s", "2m"), as on the command line; plain numbers
// are read as seconds.
extension Scenario {
    private enum Keys: String, CodingKey { case duration, rate, dons, nodes, byzantine, lateJoiner, hostile, events }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        self.init(duration: try Self.seconds(c, .duration), rate: try c.decode(Double.self, forKey: .rate),
                  dons: try c.decodeIfPresent(Int.self, forKey: .dons) ?? 3, nodes: try c.decodeIfPresent(Int.self, forKey: .nodes) ?? 4,
                  byzantine: try c.decodeIfPresent(Int.self, forKey: .byzantine) ?? 0,
                  lateJoiner: try c.decodeIfPresent(Bool.self, forKey: .lateJoiner) ?? false,
                  hostile: try c.decodeIfPresent(Int.self, forKey: .hostile) ?? 0,
                  events: try c.decodeIfPresent([Event].self, forKey: .events) ?? [])
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(Self.text(seconds: duration), forKey: .duration)
        if rate.rounded() == rate, rate < 1e9 { try c.encode(Int(rate), forKey: .rate) } else { try c.encode(rate, forKey: .rate) }
        try c.encode(dons, forKey: .dons)
        try c.encode(nodes, forKey: .nodes)
        try c.encode(byzantine, forKey: .byzantine)
        try c.encode(lateJoiner, forKey: .lateJoiner)
        try c.encode(hostile, forKey: .hostile)
        try c.encode(events, forKey: .events)
    }

    /// Seconds as a Go duration ("30s", "13.5s").
    static func text(seconds: Double) -> String {
        seconds.rounded() == seconds && abs(seconds) < 1e15 ? "\(Int(seconds))s" : "\(seconds)s"
    }

    /// A Go duration or a number of seconds.
    static func seconds<K: CodingKey>(_ c: KeyedDecodingContainer<K>, _ key: K) throws -> Double {
        if let number = try? c.decode(Double.self, forKey: key) { return number }
        let text = try c.decode(String.self, forKey: key)
        guard let d = GoDuration.parse(text) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "'\(text)' is not a duration (30s, 1.5s, 2m) nor seconds")
        }
        return d.seconds
    }
}

extension Scenario.Event {
    private enum Keys: String, CodingKey { case at, kind, don, every }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        self.init(at: try Scenario.seconds(c, .at), kind: try c.decode(Kind.self, forKey: .kind), don: try c.decodeIfPresent(String.self, forKey: .don),
                  every: c.contains(.every) ? try Scenario.seconds(c, .every) : nil)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(Scenario.text(seconds: at), forKey: .at)
        try c.encode(kind, forKey: .kind)
        try c.encodeIfPresent(don, forKey: .don)
        try c.encodeIfPresent(every.map(Scenario.text(seconds:)), forKey: .every)
    }
}

/// Which of a scenario's events are due, each handed out once, in timeline order.
public struct ScenarioTimeline: Sendable {
    public let scenario: Scenario
    private var next = 0

    public init(_ scenario: Scenario) { self.scenario = scenario }

    /// The events due at `t` seconds that were not handed out yet.
    public mutating func due(at t: Double) -> [Scenario.Event] {
        var out: [Scenario.Event] = []
        while next < scenario.events.count, scenario.events[next].at <= t {
            out.append(scenario.events[next])
            next += 1
        }
        return out
    }

    public var isFinished: Bool { next == scenario.events.count }

    /// When the next event not handed out yet is due (nil: none left): a driver sleeps until
    /// then instead of polling.
    public var nextAt: Double? { next < scenario.events.count ? scenario.events[next].at : nil }
}
