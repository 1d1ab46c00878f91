import Foundation
import Wire
import ArgumentParser
import Core
import Gossip
import Store

/// `--since` / `--until`: an RFC 3339 time, nanoseconds since the epoch, or an age such as
/// `90s`, `15m`, `2h`, `7d` (that long before now).
struct TimeArgument: ExpressibleByArgument {
    let nanoseconds: UInt64

    init?(argument: String) {
        if let t = RFC3339.parse(argument) {
            nanoseconds = t
        } else if let n = UInt64(argument) {
            nanoseconds = n
        } else if let unit = argument.last, let amount = UInt64(argument.dropLast()),
                  let scale: UInt64 = ["s": 1, "m": 60, "h": 3600, "d": 86400][unit] {
            let now = WallClock.nanoseconds()
            let back = amount * scale * 1_000_000_000
            nanoseconds = now > back ? now - back : 0
        } else {
            return nil
        }
    }

    static var defaultCompletionKind: CompletionKind { .default }
}

/// `--signers 0,1,2`: signer indexes of a DON.
struct SignerList: ExpressibleByArgument {
    let indexes: [Int]

    init?(argument: String) {
        let parts = argument.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ ($0 ?? -1) >= 0 }) else { return nil }
        indexes = parts.map { $0! }
    }

    static var defaultCompletionKind: CompletionKind { .default }
}

/// `--seq A..B`, `A..`, `..B` or a single `A`.
struct SeqRangeArgument: ExpressibleByArgument {
    let range: ClosedRange<UInt64>

    init?(argument: String) {
        let parts = argument.components(separatedBy: "..")
        switch parts.count {
        case 1:
            guard let v = UInt64(parts[0]) else { return nil }
            range = v...v
        case 2:
            let low = parts[0].isEmpty ? 0 : UInt64(parts[0])
            let high = parts[1].isEmpty ? UInt64(Int64.max) : UInt64(parts[1])
            guard let low, let high, low <= high else { return nil }
            range = low...high
        default:
            return nil
        }
    }
}

extension Verdict: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
    public static var allValueStrings: [String] { allCases.map(\.name) }
}

extension SignPolicy: ExpressibleByArgument {}
