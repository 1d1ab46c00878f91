import Wire
import CLMDB

/// The named LMDB databases of the log environment (see docs/STORAGE.md for their layouts).
struct Databases {
    let topics: MDB_dbi
    let log: MDB_dbi
    let messageIDs: MDB_dbi
    let heads: MDB_dbi
    let donSeq: MDB_dbi
    let penalties: MDB_dbi
    let registry: MDB_dbi
    let meta: MDB_dbi

    init(_ env: LMDBEnvironment) throws {
        topics = try env.openDatabase("topics")
        log = try env.openDatabase("log")
        messageIDs = try env.openDatabase("msgid")
        heads = try env.openDatabase("heads")
        donSeq = try env.openDatabase("donseq", dupSort: true)
        penalties = try env.openDatabase("penalties")
        registry = try env.openDatabase("registry")
        meta = try env.openDatabase("meta")
    }
}

/// `topics` value: u32 id, u64 first offset, u64 next offset, u64 bytes.
extension TopicInfo {
    func encoded() -> [UInt8] {
        var w = BinaryWriter(capacity: 28)
        w.u32(id)
        w.u64(firstOffset)
        w.u64(nextOffset)
        w.u64(bytes)
        return w.bytes
    }

    init(name: String, encoded value: UnsafeRawBufferPointer) throws {
        var r = BinaryReader(value)
        guard let id = r.u32(), let first = r.u64(), let next = r.u64(), let bytes = r.u64(), first <= next else {
            throw StoreError(.corruptRecord, "topic entry '\(name)' is corrupt (\(value.count) bytes)")
        }
        self.init(name: name, id: id, firstOffset: first, nextOffset: next, bytes: bytes)
    }
}
