/// A yamux frame header (hashicorp/yamux spec.md): version 0, type, flags, stream id, length, all
/// big-endian, 12 bytes. For data frames `length` counts the payload that follows; for window
/// updates it is the window delta, for pings an opaque value, for go-away the error code.
public struct YamuxHeader: Equatable, Sendable {
    public enum FrameType: UInt8, Sendable {
        case data = 0, windowUpdate = 1, ping = 2, goAway = 3
    }

    public struct Flags: OptionSet, Sendable {
        public let rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }
        public static let syn = Flags(rawValue: 1)
        public static let ack = Flags(rawValue: 2)
        public static let fin = Flags(rawValue: 4)
        public static let rst = Flags(rawValue: 8)
    }

    public static let size = 12

    public var type: FrameType
    public var flags: Flags
    public var streamID: UInt32
    public var length: UInt32

    public init(type: FrameType, flags: Flags = [], streamID: UInt32, length: UInt32) {
        self.type = type
        self.flags = flags
        self.streamID = streamID
        self.length = length
    }

    public var bytes: [UInt8] {
        [0, type.rawValue, UInt8(flags.rawValue >> 8), UInt8(flags.rawValue & 0xFF)]
            + withUnsafeBytes(of: streamID.bigEndian, Array.init) + withUnsafeBytes(of: length.bigEndian, Array.init)
    }

    public init<C: Collection>(_ b: C) throws where C.Element == UInt8, C.Index == Int {
        guard b.count >= Self.size else { throw WireError(.truncated, "yamux header is \(b.count) bytes, expected 12") }
        let s = b.startIndex
        guard b[s] == 0 else { throw WireError(.unsupported, "yamux version \(b[s]), expected 0") }
        guard let type = FrameType(rawValue: b[s + 1]) else { throw WireError(.malformed, "unknown yamux frame type \(b[s + 1])") }
        func u32(_ i: Int) -> UInt32 { (s + i..<s + i + 4).reduce(0) { $0 << 8 | UInt32(b[$1]) } }
        self.type = type
        self.flags = Flags(rawValue: UInt16(b[s + 2]) << 8 | UInt16(b[s + 3]))
        self.streamID = u32(4)
        self.length = u32(8)
    }
}

/// Go-away codes.
public enum YamuxGoAway: UInt32, Sendable {
    case normal = 0, protocolError = 1, internalError = 2
}
