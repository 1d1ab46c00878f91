/// Go's duration syntax (time.ParseDuration): a sequence of decimal numbers with units ns, us
/// (or µs), ms, s, m, h, e.g. "1h30m", "2.5s", "250ms". The Go agent's configs are written in it.
public enum GoDuration {
    public static func parse(_ text: String) -> Duration? {
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        guard !rest.isEmpty else { return nil }
        if rest == "0" { return .zero }
        var totalNanoseconds = 0.0
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            guard !number.isEmpty, let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            let unit = rest.prefix { !($0.isNumber || $0 == ".") }
            rest = rest.dropFirst(unit.count)
            let scale: Double
            switch unit {
            case "ns": scale = 1
            case "us", "µs": scale = 1e3
            case "ms": scale = 1e6
            case "s": scale = 1e9
            case "m": scale = 60e9
            case "h": scale = 3600e9
            default: return nil
            }
            totalNanoseconds += value * scale
        }
        guard totalNanoseconds < 9.2e18 else { return nil }
        return .nanoseconds(Int64(totalNanoseconds))
    }
}

import Foundation
