import Foundation
import GRDB

/// The SQLite index (`DATA/index.sqlite`): a projection of the LMDB log for rich queries.
/// It is never the source of truth: it follows the log through stored cursors and can be deleted
/// and rebuilt from LMDB at any time.
public final class ReportIndex: Sendable {
    public static let fileName = "index.sqlite"
    let queue: DatabaseQueue
    public let path: String

    /// Opens the index of `store`, creating or migrating it. A read-write open also rebuilds it when
    /// it belongs to another data dir, and brings it up to date with the log.
    public static func open(for store: ReportStore, progress: ((CatchUpProgress) -> Void)? = nil) throws -> ReportIndex {
        let path = store.dataDir + "/" + fileName
        if store.isReadOnly {
            guard FileManager.default.fileExists(atPath: path) else {
                throw StoreError(
                    .index,
                    "no index in \(store.dataDir) and the data dir is locked by a running writer; "
                        + "the writer creates it, or stop it and run `p2pmq index rebuild`")
            }
            return try ReportIndex(path: path, readOnly: true)
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

    private init(path: String, readOnly: Bool) throws {
        self.path = path
        var config = Configuration()
        config.readonly = readOnly
        config.journalMode = .wal
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
