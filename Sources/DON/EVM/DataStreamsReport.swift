import Wire

/// The body of a Data Streams report (what `report` holds inside a signed report). Every EVM
/// schema from v2 on starts with the same six words: feedId, validFromTimestamp,
/// observationsTimestamp, nativeFee, linkFee, expiresAt (chainlink-data-streams
/// `llo/reportcodec/evm/v3/types.go`; the v2 and v4 schemas share the head). v3, the crypto
/// schema the premium legacy codec writes, adds benchmarkPrice, bid and ask (int192): nine words.
public struct DataStreamsReport: Sendable, Equatable {
    public var feedID: [UInt8]
    public var validFromTimestamp: UInt32
    public var observationsTimestamp: UInt32
    /// uint192, as 32-byte words.
    public var nativeFee: [UInt8]
    public var linkFee: [UInt8]
    public var expiresAt: UInt32
    /// int192 (v3), as 32-byte two's-complement words; nil when the body is not v3.
    public var benchmarkPrice: [UInt8]?
    public var bid: [UInt8]?
    public var ask: [UInt8]?

    public static let headWords = 6
    public static let v3Words = 9

    /// The shared head of `body` (and the v3 prices when it is exactly nine words), or nil when it
    /// is too short or its uint32 fields do not fit.
    public init?(body: [UInt8]) {
        guard body.count >= Self.headWords * 32, body.count % 32 == 0 else { return nil }
        func word(_ i: Int) -> [UInt8] { Array(body[(32 * i)..<(32 * i + 32)]) }
        func uint32(_ i: Int) -> UInt32? {
            let w = word(i)
            guard w.prefix(28).allSatisfy({ $0 == 0 }) else { return nil }
            return w.suffix(4).reduce(0) { $0 << 8 | UInt32($1) }
        }
        guard let validFrom = uint32(1), let observed = uint32(2), let expires = uint32(5) else { return nil }
        feedID = word(0)
        validFromTimestamp = validFrom
        observationsTimestamp = observed
        nativeFee = word(3)
        linkFee = word(4)
        expiresAt = expires
        if body.count == Self.v3Words * 32 {
            benchmarkPrice = word(6)
            bid = word(7)
            ask = word(8)
        }
    }

    /// A v3 report (devnets, tests): prices as signed 64-bit values, fees as unsigned.
    public init(feedID: [UInt8], validFromTimestamp: UInt32, observationsTimestamp: UInt32, nativeFee: UInt64 = 0, linkFee: UInt64 = 0,
                expiresAt: UInt32, benchmarkPrice: Int64, bid: Int64, ask: Int64) {
        self.feedID = feedID
        self.validFromTimestamp = validFromTimestamp
        self.observationsTimestamp = observationsTimestamp
        self.nativeFee = ABIValue.uint(nativeFee)
        self.linkFee = ABIValue.uint(linkFee)
        self.expiresAt = expiresAt
        self.benchmarkPrice = ABIValue.int(benchmarkPrice)
        self.bid = ABIValue.int(bid)
        self.ask = ABIValue.int(ask)
    }

    public var isV3: Bool { benchmarkPrice != nil }

    /// `abi.encode` of the fields (nine words for v3, the six-word head otherwise).
    public var encoded: [UInt8] {
        let head = feedID + ABIValue.uint(UInt64(validFromTimestamp)) + ABIValue.uint(UInt64(observationsTimestamp)) + nativeFee + linkFee
            + ABIValue.uint(UInt64(expiresAt))
        guard let benchmarkPrice, let bid, let ask else { return head }
        return head + benchmarkPrice + bid + ask
    }

    /// The fields by their schema names, numbers in decimal, for `history` and `report verify`.
    public var fields: [(String, String)] {
        var out: [(String, String)] = [
            ("feedId", "0x" + Hex.encode(feedID)), ("validFromTimestamp", "\(validFromTimestamp)"),
            ("observationsTimestamp", "\(observationsTimestamp)"), ("nativeFee", ABIValue.decimal(nativeFee, signed: false)),
            ("linkFee", ABIValue.decimal(linkFee, signed: false)), ("expiresAt", "\(expiresAt)"),
        ]
        if let benchmarkPrice, let bid, let ask {
            out += [("benchmarkPrice", ABIValue.decimal(benchmarkPrice, signed: true)), ("bid", ABIValue.decimal(bid, signed: true)),
                    ("ask", ABIValue.decimal(ask, signed: true))]
        }
        return out
    }
}

extension ABIValue {
    /// A signed value as a two's-complement word.
    public static func int(_ value: Int64) -> [UInt8] {
        [UInt8](repeating: value < 0 ? 0xff : 0, count: 24) + withUnsafeBytes(of: value.bigEndian, Array.init)
    }

    /// A 32-byte word in decimal (`signed`: two's complement, as int192 and friends are).
    public static func decimal(_ word: [UInt8], signed: Bool) -> String {
        let negative = signed && (word.first ?? 0) & 0x80 != 0
        // Magnitude of a negative value: invert and add one.
        var bytes = word
        if negative {
            bytes = bytes.map { ~$0 }
            for i in bytes.indices.reversed() {
                bytes[i] &+= 1
                if bytes[i] != 0 { break }
            }
        }
        // Base-10^9 digits by repeated long division of the big-endian bytes (each quotient
        // digit is below 256: the running remainder is below 10^9 before a byte is shifted in).
        var digits: [UInt32] = []
        var number = bytes.drop { $0 == 0 }.map { UInt32($0) }
        while !number.isEmpty {
            var remainder: UInt64 = 0
            var quotient: [UInt32] = []
            for b in number {
                let acc = remainder << 8 | UInt64(b)
                let q = acc / 1_000_000_000
                remainder = acc % 1_000_000_000
                if !(quotient.isEmpty && q == 0) { quotient.append(UInt32(q)) }
            }
            digits.append(UInt32(remainder))
            number = quotient
        }
        guard let top = digits.last else { return "0" }
        var text = String(top)
        for d in digits.dropLast().reversed() {
            let s = String(d)
            text += String(repeating: "0", count: 9 - s.count) + s
        }
        return negative ? "-" + text : text
    }
}
