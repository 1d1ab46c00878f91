import CLMDB
import Wire

extension CodedFailure where Code == StoreErrorCode {
    /// Wraps an LMDB return code with what the store was doing when it failed.
    static func lmdb(_ rc: Int32, _ doing: String) -> StoreError {
        let text = String(cString: mdb_strerror(rc))
        return StoreError(.lmdb, "\(doing): \(text) (\(rc))")
    }
}

/// Calls an LMDB function and turns a non-zero return code into a `StoreError`.
@inline(__always)
func check(_ rc: Int32, _ doing: @autoclosure () -> String) throws {
    if rc != 0 { throw StoreError.lmdb(rc, doing()) }
}
