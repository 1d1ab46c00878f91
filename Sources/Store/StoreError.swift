import Wire

/// An error from the store, with a stable code for scripts and a message an operator can act on.
public typealias StoreError = CodedFailure<StoreErrorCode>

public enum StoreErrorCode: String, Sendable {
    /// LMDB returned an error code we do not handle specially.
    case lmdb
    /// Another process holds the data dir's write lock.
    case locked
    /// The data dir was written by a newer p2pmq with an unknown schema.
    case newerSchema
    /// A stored value failed its checksum or could not be decoded.
    case corruptRecord
    /// A caller passed a value the store cannot hold (too long, empty, ...).
    case invalidArgument
    /// Opening or creating files of the data dir failed.
    case io
    /// The SQLite index failed.
    case index
    /// The topic is not in the store.
    case unknownTopic
    /// The store was closed.
    case closed
}

