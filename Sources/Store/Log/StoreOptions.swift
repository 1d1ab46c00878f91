/// When an appended record reaches the disk.
public enum Durability: String, Sendable, CaseIterable, Codable {
    /// Commits do not fsync; the writer syncs every `flushInterval` and at close. A process crash
    /// loses nothing (the OS holds the pages); a machine crash can lose the last interval.
    case batched
    /// Every group commit is fsynced before the append returns.
    case sync
    /// No fsync until close. For tests and throwaway nodes.
    case none
}

/// How long and how much of a topic the log keeps. Nil means no limit.
public struct RetentionPolicy: Sendable, Equatable {
    public var maxAgeNanoseconds: UInt64?
    public var maxBytes: UInt64?

    public init(maxAgeNanoseconds: UInt64? = nil, maxBytes: UInt64? = nil) {
        self.maxAgeNanoseconds = maxAgeNanoseconds
        self.maxBytes = maxBytes
    }

    public static let unlimited = RetentionPolicy()
}

public struct StoreOptions: Sendable {
    public var durability: Durability = .batched
    /// How often `batched` mode fsyncs, in milliseconds.
    public var flushIntervalMilliseconds = 50
    /// Most items one group commit takes.
    public var maxBatchItems = 4096
    /// Starting map size; it doubles whenever LMDB reports the map full.
    public var initialMapSize = 256 << 20
    public var retention = RetentionPolicy.unlimited
    public var topicRetention: [String: RetentionPolicy] = [:]
    /// Open without the write lock and without a writer, e.g. to query a running agent's dir.
    public var readOnly = false
    /// Most bytes the log keeps of records that were not accepted (rejected, ignored, dropped),
    /// all topics together: spam must not fill the disk. Past it such records are not written
    /// (their penalties still are, and say so); retention frees room again. Nil: no limit.
    public var nonAcceptedQuota: UInt64? = 1 << 30

    public init() {}

    public func retention(for topic: String) -> RetentionPolicy {
        topicRetention[topic] ?? retention
    }
}
