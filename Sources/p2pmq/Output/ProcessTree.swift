import Foundation

/// A process and its descendants, found through /proc (Linux).
enum ProcessTree {
    /// Sends SIGTERM to `pid` and every process below it, children first.
    static func terminate(_ pid: Int32) {
        for p in descendants(of: pid).reversed() + [pid] { kill(p, SIGTERM) }
    }

    static func descendants(of root: Int32) -> [Int32] {
        var parentOf: [Int32: Int32] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(name), let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            // After "pid (comm)": state, then the parent pid.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, let ppid = Int32(fields[1]) { parentOf[pid] = ppid }
        }
        var found: [Int32] = []
        var frontier = [root]
        while let p = frontier.popLast() {
            let children = parentOf.filter { $0.value == p }.map(\.key)
            found += children
            frontier += children
        }
        return found
    }
}
