import Foundation

/// An exclusive advisory lock on `DATA/LOCK`, held while a process writes the data dir, so that a
/// second writer fails at once with a clear error instead of corrupting the single-writer log.
/// Readers (history, audit) do not take it: LMDB lets them read while a writer runs.
final class DataDirLock {
    private let fd: Int32
    let path: String

    init(dataDir: String) throws {
        path = dataDir + "/LOCK"
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw StoreError(.io, "cannot open lock file \(path): \(String(cString: strerror(errno)))")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let holder = Self.readHolder(fd)
            Glibc.close(fd)
            throw StoreError(
                .locked,
                "data dir \(dataDir) is in use by another p2pmq process\(holder.map { " (pid \($0))" } ?? ""); "
                    + "stop it or choose another --data-dir")
        }
        // Record who holds the lock, for the message another process prints.
        ftruncate(fd, 0)
        let pid = "\(getpid())\n"
        _ = pid.withCString { pwrite(fd, $0, strlen($0), 0) }
    }

    deinit {
        flock(fd, LOCK_UN)
        Glibc.close(fd)
    }

    private static func readHolder(_ fd: Int32) -> String? {
        var buf = [UInt8](repeating: 0, count: 32)
        let n = buf.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 32, 0) }
        guard n > 0 else { return nil }
        let text = String(decoding: buf[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }
}
