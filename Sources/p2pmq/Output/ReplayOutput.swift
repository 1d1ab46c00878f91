import Wire
import Agent
import Foundation
import Store

/// How `p2pmq replay` prints its result: a summary with a table of differences, or one JSON object.
enum ReplayOutput {
    static func counts(_ c: [Verdict: Int]) -> String {
        Verdict.allCases.map { "\($0.name) \(c[$0] ?? 0)" }.joined(separator: "  ")
    }

    static func text(_ r: ReplayResult, maxDifferences: Int) -> String {
        var out = "replayed \(r.replayed) of \(r.to - r.from + 1) records of '\(r.topic)' (offsets \(r.from)...\(r.to)) in "
            + String(format: "%.2f s, %.0f records/s\n", r.seconds, r.rate)
        out += "verdicts now:       \(counts(r.counts))\n"
        out += "recorded verdicts:  \(counts(r.recorded))\n"
        out += "differences:        \(r.differences.count)\n"
        if !r.differences.isEmpty {
            var table = Table(["offset", "msg_id", "recorded", "now", "reason"])
            let shown = maxDifferences > 0 ? Array(r.differences.prefix(maxDifferences)) : r.differences
            for d in shown { table.add([.number(d.offset), .text(d.messageID), .text(d.recorded.name), .text(d.now.name), .text(d.reason)]) }
            out += table.render(.table)
            if shown.count < r.differences.count { out += "(\(r.differences.count - shown.count) more; --max-differences 0 or --json lists all)\n" }
        }
        if let t = r.timing {
            out += String(format: "timing:             %d gaps, recorded span %.3f s, replayed span %.3f s, gap error mean %.1f%% p95 %.1f%% max %.1f%%\n",
                          t.gaps, t.recordedSpanSeconds, t.replayedSpanSeconds, t.meanError * 100, t.p95Error * 100, t.maxError * 100)
        }
        if let stopped = r.stoppedAt { out += "stopped at:         offset \(stopped) (\(r.stopReason ?? "")); resume with --from \(stopped)\n" }
        out += "digest:             \(r.digest.hex)\n"
        return out
    }

    static func json(_ r: ReplayResult) -> String {
        var object: [String: Any] = [
            "topic": r.topic, "from": r.from, "to": r.to, "replayed": r.replayed, "seconds": r.seconds, "rate": r.rate,
            "counts": Dictionary(uniqueKeysWithValues: Verdict.allCases.map { ($0.name, r.counts[$0] ?? 0) }),
            "recorded": Dictionary(uniqueKeysWithValues: Verdict.allCases.map { ($0.name, r.recorded[$0] ?? 0) }),
            "differences": r.differences.map {
                ["offset": $0.offset, "msg_id": $0.messageID, "recorded": $0.recorded.name, "now": $0.now.name, "reason": $0.reason] as [String: Any]
            },
            "digest": r.digest.hex,
        ]
        if let stopped = r.stoppedAt {
            object["stopped_at"] = stopped
            object["stop_reason"] = r.stopReason ?? ""
        }
        if let t = r.timing {
            object["timing"] = [
                "gaps": t.gaps, "recorded_span_s": t.recordedSpanSeconds, "replayed_span_s": t.replayedSpanSeconds,
                "gap_error_mean": t.meanError, "gap_error_p95": t.p95Error, "gap_error_max": t.maxError,
            ] as [String: Any]
        }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
