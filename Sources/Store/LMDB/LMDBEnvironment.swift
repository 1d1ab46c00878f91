import CLMDB

/// One LMDB environment: the memory map, its named databases, and transactions over them.
///
/// Opened with MDB_NOTLS so read transactions are not tied to threads (Swift tasks hop threads).
/// Writes must come from one thread at a time; the store's `LogWriter` is that one writer.
final class LMDBEnvironment: @unchecked Sendable {
    // @unchecked: an MDB_env is safe to share between threads; the map size, the only mutable
    // state here, changes under `gate.exclusive` and is read under the same lock.
    struct Options {
        var mapSize: Int
        var maxDatabases: UInt32 = 16
        var readOnly = false
        /// MDB_NOSYNC: commits do not fsync; `sync(force:)` does it later.
        var noSync = false
    }

    let pointer: OpaquePointer
    let readOnly: Bool
    private let gate = ResizeGate()
    private(set) var mapSize: Int
    private var closed = false

    init(path: String, options: Options) throws {
        var env: OpaquePointer?
        try check(mdb_env_create(&env), "creating the LMDB environment")
        guard let env else { throw StoreError(.lmdb, "mdb_env_create returned no environment") }
        var flags = UInt32(MDB_NOTLS)
        if options.readOnly { flags |= UInt32(MDB_RDONLY) }
        if options.noSync { flags |= UInt32(MDB_NOSYNC) }
        do {
            try check(mdb_env_set_maxdbs(env, options.maxDatabases), "setting max databases")
            try check(mdb_env_set_mapsize(env, options.mapSize), "setting the map size")
            try check(mdb_env_open(env, path, flags, 0o644), "opening LMDB at \(path)")
        } catch {
            mdb_env_close(env)
            throw error
        }
        self.pointer = env
        self.readOnly = options.readOnly
        var info = MDB_envinfo()
        mdb_env_info(env, &info)
        self.mapSize = info.me_mapsize
    }

    deinit { close() }

    func close() {
        gate.exclusive {
            if !closed {
                closed = true
                mdb_env_close(pointer)
            }
        }
    }

    /// Opens (and in a writable environment creates) a named database.
    func openDatabase(_ name: String, dupSort: Bool = false) throws -> MDB_dbi {
        var dbi = MDB_dbi()
        if readOnly {
            // The handle outlives the transaction only if the transaction commits, read-only or not.
            var txn: OpaquePointer?
            try check(mdb_txn_begin(pointer, nil, UInt32(MDB_RDONLY), &txn), "starting a read transaction")
            let rc = mdb_dbi_open(txn, name, 0, &dbi)
            guard rc == 0 else {
                mdb_txn_abort(txn)
                if rc == MDB_NOTFOUND {
                    throw StoreError(.io, "database '\(name)' is missing: the data dir was not created by p2pmq or is incomplete")
                }
                throw StoreError.lmdb(rc, "opening database \(name)")
            }
            try check(mdb_txn_commit(txn), "opening database \(name)")
        } else {
            var flags = UInt32(MDB_CREATE)
            if dupSort { flags |= UInt32(MDB_DUPSORT) }
            try write { txn in try check(mdb_dbi_open(txn.pointer, name, flags, &dbi), "opening database \(name)") }
        }
        return dbi
    }

    /// Runs `body` in a read-only transaction. Values it sees are valid only inside `body`.
    func read<T>(_ body: (ReadTransaction) throws -> T) throws -> T {
        while true {
            let outcome: T? = try gate.shared {
                if closed { throw StoreError(.closed, "the store is closed") }
                var txn: OpaquePointer?
                let rc = mdb_txn_begin(pointer, nil, UInt32(MDB_RDONLY), &txn)
                if rc == MDB_MAP_RESIZED { return nil }
                try check(rc, "starting a read transaction")
                defer { mdb_txn_abort(txn) }
                return try body(ReadTransaction(pointer: txn!))
            }
            if let outcome { return outcome }
            // Another process grew the map: adopt its size, then try again.
            try gate.exclusive { try check(mdb_env_set_mapsize(pointer, 0), "adopting a grown map size") }
        }
    }

    /// Runs `body` in a write transaction and commits it. When the map is full the transaction is
    /// aborted, the map doubled, and `body` run again, so `body` must only depend on its inputs.
    func write<T>(_ body: (WriteTransaction) throws -> T) throws -> T {
        while true {
            do {
                return try gate.shared {
                    if closed { throw StoreError(.closed, "the store is closed") }
                    var txn: OpaquePointer?
                    try check(mdb_txn_begin(pointer, nil, 0, &txn), "starting a write transaction")
                    let result: T
                    do {
                        result = try body(WriteTransaction(pointer: txn!))
                    } catch {
                        mdb_txn_abort(txn)
                        throw error
                    }
                    // A failed commit frees the transaction itself: no abort after this point.
                    let rc = mdb_txn_commit(txn)
                    if rc == MDB_MAP_FULL { throw MapFull() }
                    try check(rc, "committing")
                    return result
                }
            } catch let error as MapFull {
                _ = error
                try grow()
            }
        }
    }

    /// Doubles the map. Other threads' read transactions finish first (the gate).
    private func grow() throws {
        try gate.exclusive {
            let newSize = mapSize * 2
            try check(mdb_env_set_mapsize(pointer, newSize), "growing the map to \(newSize) bytes")
            mapSize = newSize
        }
    }

    /// Flushes committed data to disk (needed after commits made with MDB_NOSYNC).
    func sync(force: Bool = true) throws {
        try gate.shared {
            if closed { return }
            try check(mdb_env_sync(pointer, force ? 1 : 0), "syncing to disk")
        }
    }

    /// Pages in use and the current map size, for `p2pmq` status output and tests.
    func usage() -> (usedBytes: Int, mapSize: Int) {
        gate.shared {
            var info = MDB_envinfo()
            var stat = MDB_stat()
            mdb_env_info(pointer, &info)
            mdb_env_stat(pointer, &stat)
            return ((info.me_last_pgno + 1) * Int(stat.ms_psize), info.me_mapsize)
        }
    }
}

/// Thrown inside a write transaction when LMDB reports MDB_MAP_FULL; caught by `write` to grow.
struct MapFull: Error {}
