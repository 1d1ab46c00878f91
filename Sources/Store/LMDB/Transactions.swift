import CLMDB
import Glibc

/// Read operations shared by read and write transactions. Returned buffers point into the map and
/// are valid only until the transaction ends: copy what must outlive it.
protocol LMDBReadable {
    var pointer: OpaquePointer { get }
}

extension LMDBReadable {
    func get(_ db: MDB_dbi, _ key: [UInt8]) throws -> UnsafeRawBufferPointer? {
        try key.withUnsafeBytes { keyBytes in
            var k = MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
            var v = MDB_val()
            let rc = mdb_get(pointer, db, &k, &v)
            if rc == MDB_NOTFOUND { return nil }
            try check(rc, "reading a key")
            return UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size)
        }
    }

    func cursor(_ db: MDB_dbi) throws -> Cursor {
        var c: OpaquePointer?
        try check(mdb_cursor_open(pointer, db, &c), "opening a cursor")
        return Cursor(pointer: c!)
    }

    /// Calls `body` for each entry whose key starts with `prefix`, from `start` (>= prefix) on,
    /// in key order, until `body` returns false.
    func scan(
        _ db: MDB_dbi, prefix: [UInt8], from start: [UInt8]? = nil,
        _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        let cursor = try cursor(db)
        defer { cursor.close() }
        let origin = start ?? prefix
        // LMDB rejects an empty key for MDB_SET_RANGE; an empty origin means "from the first key".
        var entry = origin.isEmpty ? try cursor.first() : try cursor.seek(atOrAfter: origin)
        while let (key, value) = entry {
            // memcmp, not `starts(with:)`: this runs once per record of every scan.
            guard key.count >= prefix.count,
                  prefix.isEmpty || prefix.withUnsafeBytes({ memcmp(key.baseAddress!, $0.baseAddress!, prefix.count) }) == 0
            else { return }
            guard try body(key, value) else { return }
            entry = try cursor.next()
        }
    }

    /// Number of entries in a database.
    func count(_ db: MDB_dbi) throws -> Int {
        var stat = MDB_stat()
        try check(mdb_stat(pointer, db, &stat), "reading database statistics")
        return stat.ms_entries
    }
}

struct ReadTransaction: LMDBReadable {
    let pointer: OpaquePointer
}

struct WriteTransaction: LMDBReadable {
    let pointer: OpaquePointer

    func put(_ db: MDB_dbi, _ key: [UInt8], _ value: [UInt8], flags: Int32 = 0) throws {
        try key.withUnsafeBytes { keyBytes in
            try value.withUnsafeBytes { valueBytes in
                var k = MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
                var v = MDB_val(mv_size: valueBytes.count, mv_data: UnsafeMutableRawPointer(mutating: valueBytes.baseAddress))
                let rc = mdb_put(pointer, db, &k, &v, UInt32(flags))
                if rc == MDB_MAP_FULL { throw MapFull() }
                try check(rc, "writing a key")
            }
        }
    }

    /// Deletes `key` (and, for a DUPSORT database, only the given `value` if one is passed).
    @discardableResult
    func delete(_ db: MDB_dbi, _ key: [UInt8], value: [UInt8]? = nil) throws -> Bool {
        try key.withUnsafeBytes { keyBytes in
            var k = MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
            let rc: Int32
            if let value {
                rc = value.withUnsafeBytes { valueBytes in
                    var v = MDB_val(mv_size: valueBytes.count, mv_data: UnsafeMutableRawPointer(mutating: valueBytes.baseAddress))
                    return mdb_del(pointer, db, &k, &v)
                }
            } else {
                rc = mdb_del(pointer, db, &k, nil)
            }
            if rc == MDB_NOTFOUND { return false }
            if rc == MDB_MAP_FULL { throw MapFull() }
            try check(rc, "deleting a key")
            return true
        }
    }
}

/// A cursor over one database of a transaction; closed by its owner.
struct Cursor {
    let pointer: OpaquePointer

    func close() { mdb_cursor_close(pointer) }

    func seek(atOrAfter key: [UInt8]) throws -> (UnsafeRawBufferPointer, UnsafeRawBufferPointer)? {
        try key.withUnsafeBytes { keyBytes in
            var k = MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
            return try step(&k, MDB_SET_RANGE)
        }
    }

    func next() throws -> (UnsafeRawBufferPointer, UnsafeRawBufferPointer)? {
        var k = MDB_val()
        return try step(&k, MDB_NEXT)
    }

    func first() throws -> (UnsafeRawBufferPointer, UnsafeRawBufferPointer)? {
        var k = MDB_val()
        return try step(&k, MDB_FIRST)
    }

    func last() throws -> (UnsafeRawBufferPointer, UnsafeRawBufferPointer)? {
        var k = MDB_val()
        return try step(&k, MDB_LAST)
    }

    func previous() throws -> (UnsafeRawBufferPointer, UnsafeRawBufferPointer)? {
        var k = MDB_val()
        return try step(&k, MDB_PREV)
    }

    private func step(_ k: inout MDB_val, _ op: MDB_cursor_op) throws -> (UnsafeRawBufferPointer, UnsafeRawBufferPointer)? {
        var v = MDB_val()
        let rc = mdb_cursor_get(pointer, &k, &v, op)
        if rc == MDB_NOTFOUND { return nil }
        try check(rc, "moving a cursor")
        return (UnsafeRawBufferPointer(start: k.mv_data, count: k.mv_size),
                UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size))
    }
}

extension LMDBReadable {
    /// All values stored under `key` in a DUPSORT database, copied out.
    func duplicates(_ db: MDB_dbi, _ key: [UInt8]) throws -> [[UInt8]] {
        let cursor = try cursor(db)
        defer { cursor.close() }
        var values: [[UInt8]] = []
        try key.withUnsafeBytes { keyBytes in
            var k = MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
            var v = MDB_val()
            var rc = mdb_cursor_get(cursor.pointer, &k, &v, MDB_SET_KEY)
            while rc == 0 {
                values.append(Array(UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size)))
                rc = mdb_cursor_get(cursor.pointer, &k, &v, MDB_NEXT_DUP)
            }
            if rc != MDB_NOTFOUND { try check(rc, "reading duplicate values") }
        }
        return values
    }
}
