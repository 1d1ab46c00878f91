import Foundation

/// RFC 3339 timestamps with nanoseconds (`2026-11-26T20:13:41.123456789Z`), the text form of every
/// stored time. Foundation's formatters stop at milliseconds, which would lose receive order.
public enum RFC3339 {
    public static func format(_ ns: UInt64) -> String {
        var seconds = time_t(ns / 1_000_000_000)
        let nanos = ns % 1_000_000_000
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ v: Int32, _ w: Int) -> String { String(v).leftPadded(w) }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))"
            + "T\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))"
            + ".\(String(nanos).leftPadded(9))Z"
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)`; nil if it is not one.
    public static func parse(_ text: String) -> UInt64? {
        let s = Array(text.utf8)
        guard s.count >= 20, s[4] == UInt8(ascii: "-"), s[7] == UInt8(ascii: "-"),
              s[10] == UInt8(ascii: "T") || s[10] == UInt8(ascii: "t") || s[10] == UInt8(ascii: " "),
              s[13] == UInt8(ascii: ":"), s[16] == UInt8(ascii: ":")
        else { return nil }
        func number(_ range: Range<Int>) -> Int32? {
            var v: Int32 = 0
            for i in range {
                guard s[i] >= 48, s[i] <= 57 else { return nil }
                v = v * 10 + Int32(s[i] - 48)
            }
            return v
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var i = 19
        var nanos: UInt64 = 0
        if i < s.count, s[i] == UInt8(ascii: ".") {
            i += 1
            var digits = 0
            while i < s.count, s[i] >= 48, s[i] <= 57 {
                if digits < 9 { nanos = nanos * 10 + UInt64(s[i] - 48) }
                digits += 1
                i += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<max(digits, 9) { nanos *= 10 }
        }
        guard i < s.count else { return nil }
        var offsetSeconds = 0
        switch s[i] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            i += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard s.count == i + 6, s[i + 3] == UInt8(ascii: ":"),
                  let h = number(i + 1..<i + 3), let m = number(i + 4..<i + 6) else { return nil }
            offsetSeconds = Int(h) * 3600 + Int(m) * 60
            if s[i] == UInt8(ascii: "+") { offsetSeconds = -offsetSeconds }
            i += 6
        default:
            return nil
        }
        guard i == s.count else { return nil }
        var parts = tm()
        parts.tm_year = year - 1900
        parts.tm_mon = month - 1
        parts.tm_mday = day
        parts.tm_hour = hour
        parts.tm_min = minute
        parts.tm_sec = second
        let epoch = Int(timegm(&parts)) + offsetSeconds
        // Nanoseconds since 1970 fit a UInt64 until 2554: a later time is not one we can hold.
        guard epoch >= 0 else { return nil }
        let (ns, overflow) = UInt64(epoch).multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow, ns <= UInt64.max - nanos else { return nil }
        return ns + nanos
    }
}
