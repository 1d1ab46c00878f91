/// multistream-select 1.0 (`/multistream/1.0.0`) as a state machine: feed it bytes, send what it
/// returns. Every message is a uvarint-length-prefixed line ending in `\n`; `na` refuses a
/// proposal. The initiator pipelines its header with its first proposal (as go-libp2p does).
public struct MultistreamSelect: Sendable {
    public static let header = "/multistream/1.0.0"
    public static let maxMessage = 1024

    public enum Role: Sendable {
        /// Proposes these protocols in order until the responder accepts one.
        case initiator(proposals: [String])
        /// Accepts the first proposal it supports.
        case responder(supported: Set<String>)
    }

    public enum Outcome: Equatable, Sendable {
        /// Negotiation goes on; send these bytes (possibly none).
        case send([UInt8])
        /// Agreed; send `reply` (possibly empty), then the protocol owns the stream. `remainder`
        /// holds bytes that arrived after negotiation and belong to the protocol.
        case agreed(String, reply: [UInt8], remainder: [UInt8])
    }

    private enum State {
        case awaitingHeader
        case negotiating
        case done
    }

    public let role: Role
    private var state = State.awaitingHeader
    private var reader = LengthPrefixedReader(maxLength: maxMessage)
    private var proposalIndex = 0

    public init(role: Role) { self.role = role }

    /// The bytes to send first.
    public func start() -> [UInt8] {
        var out = Self.line(Self.header)
        if case .initiator(let proposals) = role, let first = proposals.first { out += Self.line(first) }
        return out
    }

    public mutating func receive<C: Collection>(_ bytes: C) throws -> Outcome where C.Element == UInt8 {
        guard state != .done else { throw WireError(.protocolViolation, "multistream negotiation is already finished") }
        reader.append(bytes)
        var out: [UInt8] = []
        while let message = try reader.next() {
            guard message.last == UInt8(ascii: "\n") else {
                throw WireError(.malformed, "multistream message does not end in a newline")
            }
            let text = String(decoding: message.dropLast(), as: UTF8.self)
            switch state {
            case .awaitingHeader:
                guard text == Self.header else {
                    throw WireError(.unsupported, "peer speaks '\(text.prefix(64))', not \(Self.header)")
                }
                state = .negotiating
            case .negotiating:
                switch role {
                case .initiator(let proposals):
                    if text == proposals[proposalIndex] {
                        state = .done
                        return .agreed(text, reply: out, remainder: reader.takeRemainder())
                    }
                    guard text == "na" else {
                        throw WireError(.protocolViolation, "peer answered '\(text.prefix(64))' to a proposal of \(proposals[proposalIndex])")
                    }
                    proposalIndex += 1
                    guard proposalIndex < proposals.count else {
                        throw WireError(.unsupported, "peer supports none of \(proposals.joined(separator: ", "))")
                    }
                    out += Self.line(proposals[proposalIndex])
                case .responder(let supported):
                    if supported.contains(text) {
                        state = .done
                        return .agreed(text, reply: out + Self.line(text), remainder: reader.takeRemainder())
                    }
                    out += Self.line("na")
                }
            case .done:
                break
            }
        }
        return .send(out)
    }

    static func line(_ text: String) -> [UInt8] {
        LengthPrefixedReader.frame(Array(text.utf8) + [UInt8(ascii: "\n")])
    }
}
