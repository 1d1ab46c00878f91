import Core
import Foundation
import Wire

/// One trace event as a line of go-libp2p-pubsub's JSONTracer: Go's `encoding/json` rendering of
/// the generated `pb.TraceEvent` struct. So: fields in trace.proto's order, the type as its enum
/// number, bytes (peer ids, message ids) as padded standard base64, the timestamp as a number of
/// nanoseconds, empty and unset fields left out, and `<`, `>`, `&` escaped as Go escapes them.
enum GoTraceJSON {
    static func line(_ e: TraceEvent, localPeer: [UInt8], timestamp: Int64) -> String {
        var o = Object()
        o.number("type", e.kind.rawValue)
        o.bytes("peerID", localPeer)
        o.number("timestamp", timestamp)
        let peer = e.peer.flatMap(peerBytes)
        switch e.kind {
        case .publishMessage:
            o.object("publishMessage") { $0.bytes("messageID", e.messageID); $0.string("topic", e.topic) }
        case .rejectMessage:
            o.object("rejectMessage") {
                $0.bytes("messageID", e.messageID)
                $0.bytes("receivedFrom", peer)
                $0.string("reason", e.reason)
                $0.string("topic", e.topic)
            }
        case .duplicateMessage:
            o.object("duplicateMessage") { $0.bytes("messageID", e.messageID); $0.bytes("receivedFrom", peer); $0.string("topic", e.topic) }
        case .deliverMessage:
            o.object("deliverMessage") { $0.bytes("messageID", e.messageID); $0.string("topic", e.topic); $0.bytes("receivedFrom", peer) }
        case .addPeer:
            o.object("addPeer") { $0.bytes("peerID", peer); $0.string("proto", e.proto) }
        case .removePeer:
            o.object("removePeer") { $0.bytes("peerID", peer) }
        case .recvRPC:
            o.object("recvRPC") { $0.bytes("receivedFrom", peer); meta(&$0, e.rpc) }
        case .sendRPC:
            o.object("sendRPC") { $0.bytes("sendTo", peer); meta(&$0, e.rpc) }
        case .dropRPC:
            o.object("dropRPC") { $0.bytes("sendTo", peer); meta(&$0, e.rpc) }
        case .join:
            o.object("join") { $0.string("topic", e.topic) }
        case .leave:
            o.object("leave") { $0.string("topic", e.topic) }
        case .graft:
            o.object("graft") { $0.bytes("peerID", peer); $0.string("topic", e.topic) }
        case .prune:
            o.object("prune") { $0.bytes("peerID", peer); $0.string("topic", e.topic) }
        }
        return o.text
    }

    private static func peerBytes(_ text: String) -> [UInt8]? { (try? PeerID(text))?.bytes }

    /// trace.proto's RPCMeta: messages, subscription, control (set whenever the RPC had one).
    private static func meta(_ o: inout Object, _ meta: TraceEvent.RPCMeta?) {
        guard let meta else { return }
        o.object("meta") { m in
            m.array("messages", meta.messages) { $0.bytes("messageID", $1.id); $0.string("topic", $1.topic) }
            m.array("subscription", meta.subscriptions) { $0.bool("subscribe", $1.subscribe); $0.string("topic", $1.topicid) }
            guard let c = meta.control else { return }
            m.object("control") { c2 in
                c2.array("ihave", c.ihave) { $0.string("topic", $1.topicID); $0.byteArray("messageIDs", $1.messageIds.map(Array.init)) }
                c2.array("iwant", c.iwant) { $0.byteArray("messageIDs", $1.messageIds.map(Array.init)) }
                c2.array("graft", c.graft) { $0.string("topic", $1.topicID) }
                c2.array("prune", c.prune) { $0.string("topic", $1.topicID); $0.byteArray("peers", $1.peers.map { Array($0.peerID) }) }
                c2.array("idontwant", c.idontwant) { $0.byteArray("messageIDs", $1.messageIds.map(Array.init)) }
            }
        }
    }

    /// A JSON object written field by field, in order.
    struct Object {
        private var parts: [String] = []

        var text: String { "{" + parts.joined(separator: ",") + "}" }

        mutating func number<N: BinaryInteger>(_ key: String, _ value: N) { parts.append("\(quote(key)):\(value)") }
        mutating func bool(_ key: String, _ value: Bool) { parts.append("\(quote(key)):\(value)") }

        mutating func string(_ key: String, _ value: String?) {
            guard let value else { return }
            parts.append("\(quote(key)):\(quote(value))")
        }

        /// Go leaves out an empty []byte (omitempty).
        mutating func bytes(_ key: String, _ value: [UInt8]?) {
            guard let value, !value.isEmpty else { return }
            parts.append("\(quote(key)):\(quote(Base64.encode(value)))")
        }

        mutating func byteArray(_ key: String, _ values: [[UInt8]]) {
            guard !values.isEmpty else { return }
            parts.append("\(quote(key)):[" + values.map { quote(Base64.encode($0)) }.joined(separator: ",") + "]")
        }

        mutating func object(_ key: String, _ fill: (inout Object) -> Void) {
            var inner = Object()
            fill(&inner)
            parts.append("\(quote(key)):\(inner.text)")
        }

        mutating func array<T>(_ key: String, _ items: [T], _ fill: (inout Object, T) -> Void) {
            guard !items.isEmpty else { return }
            let rendered = items.map { item -> String in
                var inner = Object()
                fill(&inner, item)
                return inner.text
            }
            parts.append("\(quote(key)):[" + rendered.joined(separator: ",") + "]")
        }
    }

    /// A JSON string as Go's encoder writes it (HTML-safe escaping, U+2028/U+2029 escaped).
    static func quote(_ s: String) -> String { JSONText.quote(s, goHTMLSafe: true) }
}
