import Wire

/// The multistream-select exchange at the start of each yamux stream, per stream.
struct StreamNegotiation {
    var select: MultistreamSelect
    /// For outbound streams: who waits for the outcome.
    var opener: ((Result<MuxedStream, Error>) -> Void)?
}
