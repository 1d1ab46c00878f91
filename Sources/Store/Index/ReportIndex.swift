import Foundation
import GRDB

/// The SQLite index (`DATA/index.sqlite`): a projection of the LMDB log for rich queries.
/// It is never the source of truth: it follows the log through stored cursors and can be deleted
/// and rebuilt from LMDB at any time.
public final class ReportIndex: Sendable {
    public static let fileName = "index.sqlite"
    let queue: DatabaseQueue
    public let path: String
    /// A private index built for one reader; its file is deleted with it.
    private let isTemporary: Bool

    /// Opens the index of `store`, creating or migrating it. A read-write open also rebuilds it when
    /// it belongs to another data dir, and brings it up to date with the log.
    public static func open(for store: ReportStore, progress: ((CatchUpProgress) -> Void)? = nil) throws -> ReportIndex {
        let path = store.dataDir + "/" + fileName
        if store.isReadOnly {
            // Another process writes the dir. Use its index when it keeps one for this log;
            // otherwise build a private one from the log, so queries still answer.
            if FileManager.default.fileExists(atPath: path),
               let index = try? ReportIndex(path: path, readOnly: true), (try? index.storeID()) == store.storeID {
                return index
            }
            return try temporary(for: store, progress: progress)
        }
        var index = try ReportIndex(path: path, readOnly: false)
        if try index.storeID() != store.storeID {
            // A copy from another data dir (or an older one): start over from this log.
            index = try rebuild(for: store, progress: progress)
            return index
        }
        try index.catchUp(from: store, progress: progress)
        return index
    }

    /// Deletes the index file and builds it again from the LMDB log alone.
    @discardableResult
    public static func rebuild(for store: ReportStore, progress: ((CatchUpProgress) -> Void)? = nil) throws -> ReportIndex {
        guard !store.isReadOnly else {
            throw StoreError(.index, "cannot rebuild the index while another process writes \(store.dataDir)")
        }
        let path = store.dataDir + "/" + fileName
        for suffix in ["", "-wal", "-shm"] {
            try? FileManager.default.removeItem(atPath: path + suffix)
        }
        let index = try ReportIndex(path: path, readOnly: false)
        try index.setStoreID(store.storeID)
        try index.catchUp(from: store, progress: progress)
        return index
    }

    private static func temporary(for store: ReportStore, progress: ((CatchUpProgress) -> Void)?) throws -> ReportIndex {
        let path = NSTemporaryDirectory() + "p2pmq-index-\(getpid())-\(UUID().uuidString.prefix(8)).sqlite"
        let index = try ReportIndex(path: path, readOnly: false, temporary: true)
        try index.setStoreID(store.storeID)
        try index.catchUp(from: store, progress: progress)
        return index
    }

    deinit {
        if isTemporary {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
    }

    private init(path: String, readOnly: Bool, temporary: Bool = false) throws {
        self.path = path
        self.isTemporary = temporary
        var config = Configuration()
        config.readonly = readOnly
        config.journalMode = .wal
        // A writer in another process may hold the database briefly.
        config.busyMode = .timeout(5)
        config.label = "p2pmq-index"
        do {
            queue = try DatabaseQueue(path: path, configuration: config)
            if !readOnly { try IndexMigrations.migrator().migrate(queue) }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.index, "cannot open the index \(path): \(error)")
        }
    }

    func storeID() throws -> String? {
        try indexRead { db in try String.fetchOne(db, sql: "SELECT value FROM index_meta WHERE key = 'store_id'") }
    }

    private func setStoreID(_ id: String) throws {
        try indexWrite { db in
            try db.execute(sql: "INSERT OR REPLACE INTO index_meta (key, value) VALUES ('store_id', ?)", arguments: [id])
        }
    }

    func indexRead<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try queue.read(body) } catch let e as StoreError { throw e } catch {
            throw StoreError(.index, "index query failed: \(error)")
        }
    }

    func indexWrite<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try queue.write(body) } catch let e as StoreError { throw e } catch {
            throw StoreError(.index, "index update failed: \(error)")
        }
    }
}
