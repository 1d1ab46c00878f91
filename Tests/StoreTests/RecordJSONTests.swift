import Store
import TestSupport
import XCTest

final class RecordJSONTests: XCTestCase {
    func testRoundTripKeepsEveryField() throws {
        var f = RecordFactory()
        var r = f.make(seq: UInt64.max - 1, verdict: .ignore, from: "p\"1\\", reason: "too_late", data: [0, 1, 2, 250])
        r.offset = 12
        r.receivedAt = 1_780_000_000_123_456_789
        let line = RecordJSON.encode(r)
        XCTAssertTrue(line.hasPrefix(#"{"topic":"reports","offset":12,"msg_id":"#))
        XCTAssertTrue(line.contains(#""received_at":"2026-05-28T20:26:40.123456789Z""#), line)
        var back = try RecordJSON.decode(Substring(line), line: 1)
        back.offset = 12
        XCTAssertEqual(back, r)
    }

    func testBadLinesNameTheLineAndTheProblem() {
        let good = #"{"topic":"t","msg_id":"m","received_at":"2026-01-01T00:00:00Z","from":"p","don":"d","seq":1,"verdict":"ACCEPT","reason":"","data_b64":"AA=="}"#
        let cases: [(String, String)] = [
            (String(good.dropLast(10)), "not valid JSON"),
            (good.replacingOccurrences(of: "ACCEPT", with: "MAYBE"), "unknown verdict 'MAYBE'"),
            (good.replacingOccurrences(of: #""seq":1"#, with: #""seq":-1"#), "'seq' must be a non-negative integer"),
            (good.replacingOccurrences(of: "AA==", with: "!!"), "not valid base64"),
            (good.replacingOccurrences(of: #""from":"p","#, with: ""), "missing key 'from'"),
            (good.replacingOccurrences(of: "2026-01-01T00:00:00Z", with: "yesterday"), "not an RFC 3339 time"),
            (good.replacingOccurrences(of: #""reason":"""#, with: #""reason":"","extra":1"#), "unknown key 'extra'"),
            ("[1,2]", "expected a JSON object"),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try RecordJSON.decode(Substring(text), line: 7)) { error in
                XCTAssertTrue("\(error)".hasPrefix("line 7: "), "\(error)")
                XCTAssertTrue("\(error)".contains(expected), "\(error) should mention \(expected)")
            }
        }
        XCTAssertNoThrow(try RecordJSON.decode(Substring(good), line: 1))
        XCTAssertEqual(try RecordJSON.decode(Substring(good), line: 1, topicOverride: "x").topic, "x")
    }

    func testRFC3339() {
        XCTAssertEqual(RFC3339.parse("1970-01-01T00:00:00Z"), 0)
        XCTAssertEqual(RFC3339.parse("1970-01-01T00:00:01.5Z"), 1_500_000_000)
        XCTAssertEqual(RFC3339.parse("1970-01-01T01:00:00+01:00"), 0)
        XCTAssertEqual(RFC3339.parse("2026-11-26T20:13:41.000000001Z"), RFC3339.parse("2026-11-26T20:13:41Z")! + 1)
        XCTAssertEqual(RFC3339.format(1_764_188_021_000_000_001), "2025-11-26T20:13:41.000000001Z")
        for bad in ["", "2026-13-01T00:00:00Z", "2026-01-01T00:00:00", "2026-01-01T00:00:00.Z", "2026-01-01 00:00:00Zjunk"] {
            XCTAssertNil(RFC3339.parse(bad), bad)
        }
    }

    /// Found by the fuzzer (Fuzz/regressions/import/crash-027e02dd...): a time past 2554 does not
    /// fit nanoseconds in a UInt64, and parsing it trapped on the overflow, so one such line
    /// crashed `p2pmq import`. It is now a bad line.
    func testTimesPastNanosecondRangeAreBadLinesNotCrashes() {
        XCTAssertNil(RFC3339.parse("5722-11-27T06:31:11.612678283Z"))
        XCTAssertNil(RFC3339.parse("2554-07-21T23:34:34Z"), "one second past UInt64.max nanoseconds")
        XCTAssertEqual(RFC3339.parse("2554-07-21T23:34:33Z"), 18_446_744_073_000_000_000)
        let line = #"{"topic":"t","msg_id":"m","received_at":"5722-11-27T06:31:11Z","from":"p","don":"d","seq":1,"verdict":"ACCEPT","reason":"","data_b64":"AA=="}"#
        XCTAssertThrowsError(try RecordJSON.decode(Substring(line), line: 3)) { error in
            XCTAssertTrue("\(error)".contains("not an RFC 3339 time"), "\(error)")
        }
    }
}
