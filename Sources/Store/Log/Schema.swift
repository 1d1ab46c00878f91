import Wire
import Glibc

/// The `meta` database: format version and identity of the data dir.
enum Schema {
    /// Bumped whenever an on-disk layout changes; older binaries refuse newer dirs.
    static let currentVersion: UInt32 = 1
    static let versionKey = Array("schema_version".utf8)
    static let storeIDKey = Array("store_id".utf8)

    /// Checks the version of an existing dir, or stamps a new one. Returns the store id.
    static func prepare(_ env: LMDBEnvironment, _ dbs: Databases, dataDir: String) throws -> String {
        let existing: (UInt32?, String?) = try env.read { txn in
            let v = try txn.get(dbs.meta, versionKey).map { b -> UInt32 in
                b.count == 4 ? Keys.decodeU32(b) : UInt32.max
            }
            let id = try txn.get(dbs.meta, storeIDKey).map { String(decoding: $0, as: UTF8.self) }
            return (v, id)
        }
        if let version = existing.0 {
            guard version <= currentVersion else {
                throw StoreError(
                    .newerSchema,
                    "data dir \(dataDir) has schema version \(version) but this p2pmq reads up to \(currentVersion); "
                        + "upgrade p2pmq (see docs/OPERATIONS.md, upgrade)")
            }
            return existing.1 ?? ""
        }
        guard !env.readOnly else { throw StoreError(.io, "data dir \(dataDir) is not initialised") }
        let id = randomHex(16)
        try env.write { txn in
            var w = BinaryWriter()
            w.u32(currentVersion)
            try txn.put(dbs.meta, versionKey, w.bytes)
            try txn.put(dbs.meta, storeIDKey, Array(id.utf8))
        }
        return id
    }

    static func randomHex(_ count: Int) -> String {
        var g = SystemRandomNumberGenerator()
        return Hex.encode((0..<count).map { _ in UInt8.random(in: 0...255, using: &g) })
    }
}

extension String {
    package func leftPadded(_ width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
