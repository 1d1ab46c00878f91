@testable import Wire

/// The wire decoders that see untrusted bytes first: multistream-select, uvarint
/// length-prefixed messages, Noise frames and yamux sessions. The first byte picks one and where
/// the rest is cut in two, so partial frames are exercised too.
func fuzzFrames(_ bytes: [UInt8]) {
    guard let selector = bytes.first else { return }
    let input = Array(bytes.dropFirst())
    // Feed in two pieces, split where the input says, so partial frames are exercised too.
    let cut = input.isEmpty ? 0 : Int(selector >> 2) % (input.count + 1)
    let pieces = [Array(input[..<cut]), Array(input[cut...])]
    switch selector & 3 {
    case 0:
        var ms = MultistreamSelect(role: selector & 4 == 0 ? .responder(supported: ["/noise", "/yamux/1.0.0"]) : .initiator(proposals: ["/noise", "/tls/1.0.0"]))
        for p in pieces { guard (try? ms.receive(p)) != nil else { break } }
    case 1:
        var reader = LengthPrefixedReader(maxLength: 4096)
        for p in pieces {
            reader.append(p)
            while let message = try? reader.next() { precondition(message.count <= 4096) }
        }
    case 2:
        var reader = NoiseFrameReader()
        for p in pieces {
            reader.append(p)
            while let frame = reader.next() { precondition(frame.count <= 65535) }
        }
    default:
        var session = YamuxSession(isClient: selector & 4 == 0)
        for p in pieces {
            guard let events = try? session.receive(p) else { break }
            for case .data(let id, let d) in events { session.consumed(id, d.count) }
            _ = session.takeOutput()
        }
    }
}
