import Wire

/// The parts of the DNS wire format (RFC 1035) that mDNS peer discovery needs: a header,
/// questions, and PTR, TXT and SRV records (others, A and AAAA among them, are kept as raw data). Decoding follows
/// compression pointers (RFC 1035 4.1.4) with a bound on jumps, and checks every length against
/// the packet, so a hostile packet costs bounded time and memory. Encoding writes names without
/// compression. Pure: no sockets.
public struct DNSMessage: Sendable, Equatable {
    public struct Question: Sendable, Equatable {
        public var name: String
        public var type: UInt16
        /// The class; mDNS sets the top bit to ask for a unicast answer.
        public var klass: UInt16

        public init(name: String, type: UInt16, klass: UInt16 = DNSMessage.classIN) {
            self.name = name
            self.type = type
            self.klass = klass
        }
    }

    public enum RecordData: Sendable, Equatable {
        case ptr(String)
        case txt([[UInt8]])
        /// Priority and weight are not used by mDNS peer discovery: written as 0, read and dropped.
        case srv(port: UInt16, target: String)
        case raw([UInt8])
    }

    public struct Record: Sendable, Equatable {
        public var name: String
        public var type: UInt16
        public var klass: UInt16
        public var ttl: UInt32
        public var data: RecordData

        public init(name: String, type: UInt16, klass: UInt16 = DNSMessage.classIN, ttl: UInt32, data: RecordData) {
            self.name = name
            self.type = type
            self.klass = klass
            self.ttl = ttl
            self.data = data
        }
    }

    public static let typeA: UInt16 = 1
    public static let typePTR: UInt16 = 12
    public static let typeTXT: UInt16 = 16
    public static let typeSRV: UInt16 = 33
    public static let typeANY: UInt16 = 255
    public static let classIN: UInt16 = 1
    /// mDNS's cache-flush bit on a unique record's class (RFC 6762 10.2); in a question the same
    /// bit asks for a unicast answer.
    public static let cacheFlush: UInt16 = 0x8000
    /// Bounds on what a packet may hold (an mDNS packet is at most 9000 bytes anyway).
    public static let maxRecords = 256
    static let maxPointerJumps = 32

    public var id: UInt16 = 0
    public var isResponse = false
    public var questions: [Question] = []
    public var answers: [Record] = []
    public var additionals: [Record] = []

    public init(id: UInt16 = 0, isResponse: Bool = false, questions: [Question] = [], answers: [Record] = [], additionals: [Record] = []) {
        self.id = id
        self.isResponse = isResponse
        self.questions = questions
        self.answers = answers
        self.additionals = additionals
    }

    // MARK: encoding

    public func encode() throws -> [UInt8] {
        var out: [UInt8] = []
        func u16(_ v: UInt16) { out += [UInt8(v >> 8), UInt8(v & 0xff)] }
        func u32(_ v: UInt32) { u16(UInt16(v >> 16)); u16(UInt16(v & 0xffff)) }
        func name(_ text: String) throws {
            for label in text.split(separator: ".", omittingEmptySubsequences: true) {
                let bytes = Array(label.utf8)
                guard (1...63).contains(bytes.count) else { throw WireError(.malformed, "DNS label '\(label)' is not 1 to 63 bytes") }
                out.append(UInt8(bytes.count))
                out += bytes
            }
            out.append(0)
        }
        u16(id)
        // Responses: QR and AA set (mDNS answers are authoritative).
        u16(isResponse ? 0x8400 : 0)
        u16(UInt16(questions.count))
        u16(UInt16(answers.count))
        u16(0)
        u16(UInt16(additionals.count))
        for q in questions {
            try name(q.name)
            u16(q.type)
            u16(q.klass)
        }
        for r in answers + additionals {
            try name(r.name)
            u16(r.type)
            u16(r.klass)
            u32(r.ttl)
            let lengthAt = out.count
            u16(0)
            switch r.data {
            case .ptr(let target): try name(target)
            case .srv(let port, let target):
                u16(0)
                u16(0)
                u16(port)
                try name(target)
            case .txt(let strings):
                for s in strings {
                    guard s.count <= 255 else { throw WireError(.malformed, "a TXT string is at most 255 bytes") }
                    out.append(UInt8(s.count))
                    out += s
                }
            case .raw(let bytes): out += bytes
            }
            let length = out.count - lengthAt - 2
            guard length <= Int(UInt16.max) else { throw WireError(.malformed, "record data too long") }
            out[lengthAt] = UInt8(length >> 8)
            out[lengthAt + 1] = UInt8(length & 0xff)
        }
        return out
    }

    // MARK: decoding

    public init(bytes: [UInt8]) throws {
        var reader = Reader(bytes: bytes)
        id = try reader.u16()
        let flags = try reader.u16()
        isResponse = flags & 0x8000 != 0
        let qd = Int(try reader.u16()), an = Int(try reader.u16()), ns = Int(try reader.u16()), ar = Int(try reader.u16())
        guard qd + an + ns + ar <= Self.maxRecords else { throw WireError(.malformed, "DNS message claims \(qd + an + ns + ar) entries") }
        for _ in 0..<qd {
            let name = try reader.name()
            questions.append(Question(name: name, type: try reader.u16(), klass: try reader.u16()))
        }
        for i in 0..<(an + ns + ar) {
            let r = try reader.record()
            if i < an { answers.append(r) } else if i >= an + ns { additionals.append(r) }
        }
    }

    struct Reader {
        let bytes: [UInt8]
        var at = 0

        mutating func u8() throws -> UInt8 {
            guard at < bytes.count else { throw WireError(.malformed, "DNS message ends early") }
            defer { at += 1 }
            return bytes[at]
        }

        mutating func u16() throws -> UInt16 { UInt16(try u8()) << 8 | UInt16(try u8()) }
        mutating func u32() throws -> UInt32 { UInt32(try u16()) << 16 | UInt32(try u16()) }

        /// A name at the cursor, following compression pointers.
        mutating func name() throws -> String {
            var labels: [String] = []
            var position = at
            var jumps = 0
            var length = 0
            var resume: Int?
            while true {
                guard position < bytes.count else { throw WireError(.malformed, "DNS name runs past the message") }
                let n = Int(bytes[position])
                if n == 0 {
                    position += 1
                    break
                }
                if n & 0xc0 == 0xc0 {
                    guard position + 1 < bytes.count else { throw WireError(.malformed, "DNS pointer runs past the message") }
                    jumps += 1
                    guard jumps <= DNSMessage.maxPointerJumps else { throw WireError(.malformed, "DNS name pointers loop") }
                    if resume == nil { resume = position + 2 }
                    position = (n & 0x3f) << 8 | Int(bytes[position + 1])
                    continue
                }
                guard n <= 63 else { throw WireError(.malformed, "DNS label length \(n)") }
                guard position + 1 + n <= bytes.count else { throw WireError(.malformed, "DNS label runs past the message") }
                length += n + 1
                guard length <= 255 else { throw WireError(.malformed, "DNS name longer than 255 bytes") }
                labels.append(String(decoding: bytes[(position + 1)..<(position + 1 + n)], as: UTF8.self))
                position += 1 + n
            }
            at = resume ?? position
            return labels.joined(separator: ".")
        }

        mutating func record() throws -> Record {
            let name = try name()
            let type = try u16(), klass = try u16(), ttl = try u32()
            let length = Int(try u16())
            guard at + length <= bytes.count else { throw WireError(.malformed, "DNS record data runs past the message") }
            let end = at + length
            let data: RecordData
            switch type {
            case DNSMessage.typePTR:
                data = .ptr(try self.name())
                guard at <= end else { throw WireError(.malformed, "DNS PTR name runs past its record") }
            case DNSMessage.typeTXT:
                var strings: [[UInt8]] = []
                while at < end {
                    let n = Int(try u8())
                    guard at + n <= end else { throw WireError(.malformed, "DNS TXT string runs past its record") }
                    strings.append(Array(bytes[at..<(at + n)]))
                    at += n
                }
                data = .txt(strings)
            case DNSMessage.typeSRV:
                guard length >= 7 else { throw WireError(.malformed, "DNS SRV record of \(length) bytes") }
                _ = try u16()
                _ = try u16()
                let port = try u16()
                data = .srv(port: port, target: try self.name())
                guard at <= end else { throw WireError(.malformed, "DNS SRV name runs past its record") }
            default:
                data = .raw(Array(bytes[at..<end]))
            }
            at = end
            return Record(name: name, type: type, klass: klass, ttl: ttl, data: data)
        }
    }
}
