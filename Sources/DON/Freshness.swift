/// The age rule Chainlink's DON-to-DON layer applies to reports that state their time: older
/// than the DON config's `maxAge`, or past the report's own `expiresAt` (Data Streams), a report
/// is IGNOREd as `expired`: no penalty (an honest relay may be slow), never delivered as live.
/// Range sync and replay judge history, which is old by nature, so they do not apply it.
enum Freshness {
    /// nil when fresh; times in Unix seconds.
    static func judge(stated: UInt64, expiresAt: UInt64?, now: UInt64, config: DONConfig) -> (ReportReason, String)? {
        if let expiresAt, expiresAt > 0, now > expiresAt {
            return (.expired, "the report expired at \(expiresAt), \(now - expiresAt) s ago")
        }
        if let maxAge = config.effectiveMaxAge, now > stated, now - stated > maxAge {
            return (.expired, "the report is \(now - stated) s old; DON \(config.id) allows \(maxAge) s")
        }
        return nil
    }
}
