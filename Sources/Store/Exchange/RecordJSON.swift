import Wire
import Foundation

/// The JSON-lines exchange format of `p2pmq import` / `p2pmq export`: one record per line with the
/// keys `topic, offset, msg_id, received_at, from, don, seq, verdict, reason, data_b64`.
public enum RecordJSON {
    public static func encode(_ r: LogRecord) -> String {
        var line = JSONLine()
        line.add("topic", r.topic)
        line.add("offset", r.offset)
        line.add("msg_id", r.messageID)
        line.add("received_at", RFC3339.format(r.receivedAt))
        line.add("from", r.from)
        line.add("don", r.don)
        line.add("seq", r.seq)
        line.add("verdict", r.verdict.name)
        line.add("reason", r.reason)
        line.add("data_b64", Data(r.data).base64EncodedString())
        return line.text
    }

    /// A line that is not a valid record; `line` counts from 1.
    public struct LineError: Error, CustomStringConvertible {
        public let line: Int
        public let message: String
        public var description: String { "line \(line): \(message)" }
    }

    /// Decodes one line. `topicOverride` replaces (or supplies) the topic. `offset` is ignored.
    public static func decode(_ text: Substring, line: Int, topicOverride: String? = nil) throws -> LogRecord {
        func fail(_ message: String) -> LineError { LineError(line: line, message: message) }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [])
        } catch {
            throw fail("not valid JSON (truncated or malformed): \(text.prefix(60))")
        }
        guard let dict = object as? [String: Any] else { throw fail("expected a JSON object") }
        func string(_ key: String, required: Bool = true) throws -> String? {
            guard let value = dict[key] else {
                if required { throw fail("missing key '\(key)'") }
                return nil
            }
            guard let s = value as? String else { throw fail("'\(key)' must be a string") }
            return s
        }
        let known: Set<String> = ["topic", "offset", "msg_id", "received_at", "from", "don", "seq", "verdict", "reason", "data_b64"]
        if let unknown = dict.keys.first(where: { !known.contains($0) }) {
            throw fail("unknown key '\(unknown)' (expected \(known.sorted().joined(separator: ", ")))")
        }
        let topic: String
        if let topicOverride { topic = topicOverride } else {
            guard let t = try string("topic"), !t.isEmpty else { throw fail("'topic' is empty (or pass --topic)") }
            topic = t
        }
        guard let msgID = try string("msg_id"), !msgID.isEmpty else { throw fail("'msg_id' is empty") }
        let receivedText = try string("received_at")!
        guard let received = RFC3339.parse(receivedText) else {
            throw fail("'received_at' is not an RFC 3339 time: \(receivedText)")
        }
        let verdictText = try string("verdict")!
        guard let verdict = Verdict(name: verdictText) else {
            throw fail("unknown verdict '\(verdictText)' (expected ACCEPT, IGNORE or REJECT)")
        }
        let dataText = try string("data_b64")!
        guard let data = Data(base64Encoded: dataText) else { throw fail("'data_b64' is not valid base64") }
        let seq: UInt64
        switch dict["seq"] {
        case nil: throw fail("missing key 'seq'")
        case let s as String:
            guard let v = UInt64(s) else { throw fail("'seq' must be a non-negative integer") }
            seq = v
        case let n as NSNumber:
            guard let v = UInt64(n.stringValue) ?? UInt64(exactly: n.doubleValue) else {
                throw fail("'seq' must be a non-negative integer")
            }
            seq = v
        default: throw fail("'seq' must be a non-negative integer")
        }
        return LogRecord(
            topic: topic, messageID: msgID, receivedAt: received, from: try string("from")!,
            don: try string("don")!, seq: seq, verdict: verdict, reason: try string("reason", required: false) ?? "",
            data: Array(data))
    }
}
