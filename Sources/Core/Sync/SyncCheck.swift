/// What the joiner's validation path says of one record a peer sent during sync.
public enum SyncCheck: Sendable, Equatable {
    /// Valid: append it, indexed under this report digest.
    case accept(digest: [UInt8])
    /// Not taken, and not the server's fault (e.g. the validator said IGNORE).
    case ignore(String)
    /// The server sent something no honest peer holds: penalize it.
    case forged(code: String, detail: String)
}
