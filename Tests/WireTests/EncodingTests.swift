import Wire
import XCTest

final class EncodingTests: XCTestCase {
    func testVarint() throws {
        for (value, bytes) in [(UInt64(0), [UInt8(0)]), (1, [1]), (127, [0x7F]), (128, [0x80, 0x01]), (300, [0xAC, 0x02]), (16384, [0x80, 0x80, 0x01])] {
            XCTAssertEqual(Varint.encode(value), bytes)
            XCTAssertEqual(try Varint.decode(bytes + [0xFF]), .value(value, length: bytes.count))
        }
        XCTAssertEqual(try Varint.decode([0x80, 0x80]), .incomplete)
        XCTAssertThrowsError(try Varint.decode([0x80, 0x00]))  // not minimal
        XCTAssertThrowsError(try Varint.decode([UInt8](repeating: 0xFF, count: 10)))
    }

    func testBase58KnownVectors() {
        XCTAssertEqual(Base58.encode(Array("hello world".utf8)), "StV1DL6CwTryKyV")
        XCTAssertEqual(Base58.encode([0, 0, 1]), "112")
        XCTAssertEqual(Base58.decode("StV1DL6CwTryKyV"), Array("hello world".utf8))
        XCTAssertEqual(Base58.decode("112"), [0, 0, 1])
        XCTAssertNil(Base58.decode("0OIl"))
    }

    func testBase32() {
        XCTAssertEqual(Base32.encode(Array("foobar".utf8)), "mzxw6ytboi")
        XCTAssertEqual(Base32.decode("mzxw6ytboi"), Array("foobar".utf8))
    }

    func testLengthPrefixedReaderWaitsAndLimits() throws {
        var reader = LengthPrefixedReader(maxLength: 10)
        reader.append([3, 1, 2])
        XCTAssertNil(try reader.next())
        reader.append([3, 0])
        XCTAssertEqual(try reader.next(), [1, 2, 3])
        XCTAssertEqual(try reader.next(), [])
        reader.append([11])
        XCTAssertThrowsError(try reader.next()) { XCTAssertEqual(($0 as? WireError)?.code, .tooLarge) }
    }
}

final class HexTests: XCTestCase {
    func testHexRoundTripAndRejects() {
        XCTAssertEqual(Hex.encode([0x00, 0xAB, 0x7F]), "00ab7f")
        XCTAssertEqual(Hex.decode("00AB7f"), [0x00, 0xAB, 0x7F])
        XCTAssertNil(Hex.decode("abc"))
        XCTAssertNil(Hex.decode("zz"))
    }
}
