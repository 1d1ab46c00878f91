import Foundation
import Wire

/// The per-topic log of validated reports, heads per DON, and penalty history: the LMDB
/// environment under `DATA/log/`, which is the source of truth of a data dir.
///
/// Reads run on the caller's thread in their own read transaction and may run concurrently.
/// Writes go to the single `LogWriter`, which group-commits them.
public final class ReportStore: Sendable {
    public let dataDir: String
    public let options: StoreOptions
    /// Random id stamped into a new data dir; the SQLite index remembers it to detect a stale copy.
    public let storeID: String
    let env: LMDBEnvironment
    let dbs: Databases
    private let writer: LogWriter?
    private let lock: LockBox

    /// Opens (creating if needed) the data dir. Read-write opens take the dir's lock.
    public static func open(dataDir: String, options: StoreOptions = StoreOptions()) throws -> ReportStore {
        try ReportStore(dataDir: dataDir, options: options)
    }

    private init(dataDir: String, options: StoreOptions) throws {
        let fm = FileManager.default
        let logDir = dataDir + "/log"
        if options.readOnly {
            guard fm.fileExists(atPath: logDir + "/data.mdb") else {
                throw StoreError(.io, "no p2pmq data in \(dataDir) (missing log/data.mdb); check --data-dir")
            }
        } else {
            do {
                try fm.createDirectory(atPath: logDir, withIntermediateDirectories: true)
            } catch {
                throw StoreError(.io, "cannot create data dir \(dataDir): \(error.localizedDescription)")
            }
        }
        let lock = try options.readOnly ? nil : DataDirLock(dataDir: dataDir)
        var envOptions = LMDBEnvironment.Options(mapSize: options.initialMapSize)
        envOptions.readOnly = options.readOnly
        envOptions.noSync = options.durability != .sync
        let env = try LMDBEnvironment(path: logDir, options: envOptions)
        let dbs = try Databases(env)
        self.storeID = try Schema.prepare(env, dbs, dataDir: dataDir)
        self.dataDir = dataDir
        self.options = options
        self.env = env
        self.dbs = dbs
        self.lock = LockBox(lock)
        self.writer = options.readOnly ? nil : try LogWriter(env: env, dbs: dbs, options: options)
    }

    /// Drains pending writes, syncs, and closes the environment. Idempotent.
    public func close() {
        writer?.stop()
        env.close()
        lock.release()
    }

    public var isReadOnly: Bool { writer == nil }

    private func requireWriter() throws -> LogWriter {
        guard let writer else { throw StoreError(.invalidArgument, "the store was opened read-only") }
        return writer
    }

    // MARK: Writing

    /// Appends items in one group commit with whatever else is queued. Returns one outcome each.
    public func append(_ items: [AppendItem]) async throws -> [AppendOutcome] {
        let writer = try requireWriter()
        let encoded = try items.map(EncodedItem.init)
        return try await withCheckedThrowingContinuation { cont in
            writer.append(encoded) { cont.resume(with: $0) }
        }
    }

    /// Records a penalty that goes with no logged message (protocol misbehaviour seen by the
    /// router), in the same group commits as appends.
    public func appendPenalty(_ penalty: PenaltyRecord) async throws {
        _ = try await append([.penaltyOnly(penalty)])
    }

    /// Blocking form of `append`, for command-line tools and threads outside Swift concurrency.
    public func appendAndWait(_ items: [AppendItem]) throws -> [AppendOutcome] {
        let writer = try requireWriter()
        let encoded = try items.map(EncodedItem.init)
        return try waitFor { done in writer.append(encoded, completion: done) }
    }

    /// Applies the retention policies now. Returns how many records each topic lost.
    @discardableResult
    public func applyRetention(now: UInt64 = WallClock.nanoseconds()) throws -> [String: UInt64] {
        let writer = try requireWriter()
        return try waitFor { done in writer.applyRetention(now: now, completion: done) }
    }

    /// Waits until everything appended so far is on disk.
    public func flush() throws {
        let writer = try requireWriter()
        try waitFor { done in writer.flush(completion: done) }
    }

    // MARK: Reading

    public func topics() throws -> [TopicInfo] {
        try env.read { try topicsIn($0) }
    }

    public func topic(_ name: String) throws -> TopicInfo? {
        try env.read { try topic(name, $0) }
    }

    func topic(_ name: String, _ txn: some LMDBReadable) throws -> TopicInfo? {
        try txn.get(dbs.topics, Array(name.utf8)).map { try TopicInfo(name: name, encoded: $0) }
    }

    /// The topic, or an `unknownTopic` error that says how to list the stored ones.
    public func requireTopic(_ name: String) throws -> TopicInfo {
        try env.read { try requireTopic(name, $0) }
    }

    func requireTopic(_ name: String, _ txn: some LMDBReadable) throws -> TopicInfo {
        guard let info = try topic(name, txn) else {
            throw StoreError(.unknownTopic, "unknown topic '\(name)'; `p2pmq heads` lists the stored topics")
        }
        return info
    }

    public func record(topic: String, offset: UInt64) throws -> LogRecord? {
        try env.read { txn in
            let info = try requireTopic(topic, txn)
            return try txn.get(dbs.log, Keys.log(info.id, offset)).map {
                try RecordCodec.decodeRecord($0, topic: topic, offset: offset)
            }
        }
    }

    /// Calls `body` with each record of `topic` from offset `from`, in offset order, until it
    /// returns false. The whole scan is one read transaction: a consistent snapshot.
    public func scan(topic: String, from: UInt64 = 0, _ body: (LogRecord) throws -> Bool) throws {
        try scanViews(topic: topic, from: from) { offset, view in try body(view.record(topic: topic, offset: offset)) }
    }

    /// Calls `body` with a checked view of each record (checksum verified, nothing copied): for
    /// scans of many records that need only some fields. The view is valid only during the call.
    public func scanViews(topic: String, from: UInt64 = 0, _ body: (UInt64, RecordView) throws -> Bool) throws {
        try scanValues(topic: topic, from: from) { offset, value in
            try body(offset, try RecordView(value, topic: topic, offset: offset))
        }
    }

    /// Calls `body` with the raw stored value of each record, unchecked: for copying bytes only.
    public func scanValues(topic: String, from: UInt64 = 0, _ body: (UInt64, UnsafeRawBufferPointer) throws -> Bool) throws {
        try env.read { txn in
            let info = try requireTopic(topic, txn)
            try txn.scan(dbs.log, prefix: Keys.topicPrefix(info.id), from: Keys.log(info.id, from)) { key, value in
                try body(Keys.decodeU64(key, at: 4), value)
            }
        }
    }

    public func offset(topic: String, messageID: String) throws -> UInt64? {
        try env.read { txn in
            guard let info = try self.topic(topic, txn) else { return nil }
            return try txn.get(dbs.messageIDs, Keys.messageID(info.id, messageID)).map { Keys.decodeU64($0) }
        }
    }

    /// Heads of every DON on `topic`, or on every topic.
    public func heads(topic: String? = nil) throws -> [Head] {
        try env.read { txn in
            let names = try topic.map { [try requireTopic($0, txn)] } ?? topicsIn(txn)
            var result: [Head] = []
            for info in names {
                try txn.scan(dbs.heads, prefix: Keys.topicPrefix(info.id)) { key, value in
                    let don = String(decoding: key.dropFirst(4), as: UTF8.self)
                    result.append(Head(topic: info.name, don: don, seq: Keys.decodeU64(value), offset: Keys.decodeU64(value, at: 8)))
                    return true
                }
            }
            return result
        }
    }

    public func head(topic: String, don: String) throws -> Head? {
        try env.read { txn in
            guard let info = try self.topic(topic, txn),
                  let v = try txn.get(dbs.heads, Keys.head(info.id, don)) else { return nil }
            return Head(topic: topic, don: don, seq: Keys.decodeU64(v), offset: Keys.decodeU64(v, at: 8))
        }
    }

    /// Digests (and offsets) of the reports stored for one (topic, DON, seq): more than one means
    /// the DON signed two different reports for the same seq.
    public func reports(topic: String, don: String, seq: UInt64) throws -> [(digest: [UInt8], offset: UInt64)] {
        try env.read { txn in
            guard let info = try self.topic(topic, txn) else { return [] }
            return try txn.duplicates(dbs.donSeq, Keys.donSeq(info.id, don, seq)).compactMap { v in
                guard v.count >= 8 else { return nil }
                let offset = v.suffix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                return (Array(v.dropLast(8)), offset)
            }
        }
    }

    /// Calls `body` with each penalty from number `from` on, in recording order.
    public func penalties(from: UInt64 = 0, _ body: (PenaltyRecord) throws -> Bool) throws {
        try env.read { txn in
            try txn.scan(dbs.penalties, prefix: [], from: Keys.number(from)) { key, value in
                let n = Keys.decodeU64(key)
                return try body(try RecordCodec.decodePenalty(value, number: n))
            }
        }
    }

    /// The applied DON config updates (the `registry` database), per DON in version order.
    public func registryRecords() throws -> [LogRecord] {
        try env.read { txn in
            var out: [LogRecord] = []
            try txn.scan(dbs.registry, prefix: []) { _, value in
                out.append(try RecordCodec.decodeRecord(value, topic: "", offset: 0))
                return true
            }
            return out
        }
    }

    public func penaltyCount() throws -> Int {
        try env.read { try $0.count(dbs.penalties) }
    }

    /// Bytes in use in the map and the current map size.
    public func usage() -> (usedBytes: Int, mapSize: Int) { env.usage() }

    func topicsIn(_ txn: some LMDBReadable) throws -> [TopicInfo] {
        var result: [TopicInfo] = []
        try txn.scan(dbs.topics, prefix: []) { key, value in
            result.append(try TopicInfo(name: String(decoding: key, as: UTF8.self), encoded: value))
            return true
        }
        return result
    }
}

/// Holds the data dir lock until `release`, so `close()` can drop it before deinit.
private final class LockBox: @unchecked Sendable {
    // @unchecked: `lock` is set once in init and cleared once under `mutex`.
    private var lock: DataDirLock?
    private let mutex = NSLock()
    init(_ lock: DataDirLock?) { self.lock = lock }
    func release() {
        mutex.lock()
        lock = nil
        mutex.unlock()
    }
}

/// Blocks the calling thread until a completion-style call finishes.
func waitFor<T: Sendable>(_ start: (@escaping @Sendable (Result<T, Error>) -> Void) -> Void) throws -> T {
    let box = ResultBox<T>()
    start { box.set($0) }
    return try box.wait()
}

private final class ResultBox<T: Sendable>: @unchecked Sendable {
    // @unchecked: `result` is written once and read after `semaphore` signals.
    private var result: Result<T, Error>?
    private let semaphore = DispatchSemaphore(value: 0)
    func set(_ r: Result<T, Error>) {
        result = r
        semaphore.signal()
    }
    func wait() throws -> T {
        semaphore.wait()
        return try result!.get()
    }
}
