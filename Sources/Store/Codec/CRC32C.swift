import CCRC32C

/// CRC-32C (Castagnoli). Guards every stored record: LMDB does not checksum pages, so a flipped
/// bit on disk would otherwise come back as a silently different report. Computed in C
/// (Sources/CCRC32C) with the SSE4.2 instruction where the CPU has it.
enum CRC32C {
    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        p2pmq_crc32c(0, bytes.baseAddress, bytes.count)
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0) }
    }
}
