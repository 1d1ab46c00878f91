/// The parts of the Solidity ABI that OCR reports need: 32-byte words, dynamic `bytes`, dynamic
/// arrays of words and of `bytes` (KeystoneForwarder's signatures), encoded head then tail as
/// `abi.encode` does.
public enum ABIValue: Sendable {
    /// A static 32-byte value (uint, address, bytes32: already padded).
    case word([UInt8])
    /// `bytes`: length word, data zero-padded to 32.
    case bytes([UInt8])
    /// `T[]` of static words: length word, then the words.
    case words([[UInt8]])
    /// `bytes[]`: length word, one offset per element (from after the length word), then each
    /// element as `bytes`.
    case bytesArray([[UInt8]])

    /// `abi.encode(values...)`.
    public static func encode(_ values: [ABIValue]) -> [UInt8] {
        var head: [UInt8] = [], tail: [UInt8] = []
        let headSize = 32 * values.count
        for value in values {
            switch value {
            case .word(let w):
                head += w
            case .bytes(let data):
                head += uint(UInt64(headSize + tail.count))
                tail += uint(UInt64(data.count)) + data + [UInt8](repeating: 0, count: padding(data.count))
            case .words(let ws):
                head += uint(UInt64(headSize + tail.count))
                tail += uint(UInt64(ws.count))
                for w in ws { tail += w }
            case .bytesArray(let items):
                head += uint(UInt64(headSize + tail.count))
                tail += uint(UInt64(items.count))
                var at = 32 * items.count
                for item in items {
                    tail += uint(UInt64(at))
                    at += 32 + item.count + padding(item.count)
                }
                for item in items { tail += uint(UInt64(item.count)) + item + [UInt8](repeating: 0, count: padding(item.count)) }
            }
        }
        return head + tail
    }

    /// A uint as a big-endian word.
    public static func uint(_ value: UInt64) -> [UInt8] {
        [UInt8](repeating: 0, count: 24) + withUnsafeBytes(of: value.bigEndian, Array.init)
    }

    /// An address left-padded to a word.
    public static func address(_ a: EVMAddress) -> [UInt8] { [UInt8](repeating: 0, count: 12) + a.bytes }

    /// Zero bytes that pad `count` to a multiple of 32.
    static func padding(_ count: Int) -> Int { (32 - count % 32) % 32 }
}
