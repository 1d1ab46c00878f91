import Wire

/// Upgrades a raw TCP connection and then multiplexes it, as a pure state machine:
///
///     [pnet] -> multistream-select -> /noise -> (encrypted) multistream-select -> /yamux/1.0.0 -> streams
///
/// In a private network (`psk`) each side first sends a 24-byte nonce in the clear, and every byte
/// after it, both ways, is XSalsa20-encrypted with the network key (libp2p pnet).
/// Bytes from the socket go in; bytes to write, the authenticated peer, yamux events, or a reason
/// to close come out. The NIO handler owns one and only moves bytes.
struct ConnectionStateMachine {
    enum Action: Equatable {
        case write([UInt8])
        /// Noise finished: the remote is authenticated.
        case authenticated(PeerID, PublicKey)
        /// The muxer is agreed; streams can be opened.
        case ready
        case streams([YamuxSession.Event])
    }

    private enum Phase {
        case securityNegotiation(MultistreamSelect)
        case handshake(NoiseHandshake, NoiseFrameReader)
        case muxerNegotiation(MultistreamSelect)
        case muxed(YamuxSession)
        case closed
    }

    let isInitiator: Bool
    private var phase: Phase
    private var transport: NoiseTransport?
    private var frames = NoiseFrameReader()
    private let identity: PrivateKey
    private let expectedPeer: PeerID?
    private let yamuxLimits: YamuxSession.Limits
    private let psk: PreSharedKey?
    private var pnetOut: PNetCipher?
    private var pnetIn: PNetCipher?
    private var pnetNonce: [UInt8] = []

    init(initiator: Bool, identity: PrivateKey, expectedPeer: PeerID?, yamuxLimits: YamuxSession.Limits, psk: PreSharedKey? = nil) {
        isInitiator = initiator
        self.psk = psk
        self.identity = identity
        self.expectedPeer = expectedPeer
        self.yamuxLimits = yamuxLimits
        phase = .securityNegotiation(MultistreamSelect(
            role: initiator ? .initiator(proposals: [NoiseHandshake.protocolID]) : .responder(supported: [NoiseHandshake.protocolID])))
    }

    var isMuxed: Bool { if case .muxed = phase { true } else { false } }

    mutating func start() -> [Action] {
        guard case .securityNegotiation(let ms) = phase else { return [] }
        var nonce: [UInt8] = []
        if let psk {
            nonce = PNetCipher.randomNonce()
            pnetOut = PNetCipher(key: psk, nonce: nonce)
        }
        return [.write(nonce + outbound(ms.start()))]
    }

    mutating func receive(_ bytes: [UInt8]) throws -> [Action] {
        do {
            var input = bytes
            if let psk {
                if pnetIn == nil {
                    pnetNonce += input
                    guard pnetNonce.count >= PNetCipher.nonceSize else { return [] }
                    pnetIn = PNetCipher(key: psk, nonce: Array(pnetNonce.prefix(PNetCipher.nonceSize)))
                    input = Array(pnetNonce.dropFirst(PNetCipher.nonceSize))
                    pnetNonce = []
                }
                input = pnetIn!.apply(input)
            }
            return try receiveUnchecked(input).map { action in
                if case .write(let b) = action { return .write(outbound(b)) }
                return action
            }
        } catch {
            phase = .closed
            if psk != nil, case let e as WireError = error, e.code != .peerIDMismatch {
                throw WireError(e.code, e.message + " (private network: does the peer use the same key?)")
            }
            throw error
        }
    }

    /// Applies the private-network cipher to bytes about to be written, in write order.
    private mutating func outbound(_ bytes: [UInt8]) -> [UInt8] {
        guard pnetOut != nil, !bytes.isEmpty else { return bytes }
        return pnetOut!.apply(bytes)
    }

    private mutating func receiveUnchecked(_ bytes: [UInt8]) throws -> [Action] {
        switch phase {
        case .closed:
            return []
        case .securityNegotiation(var ms):
            switch try ms.receive(bytes) {
            case .send(let out):
                phase = .securityNegotiation(ms)
                return out.isEmpty ? [] : [.write(out)]
            case .agreed(_, let reply, let remainder):
                var handshake = NoiseHandshake(initiator: isInitiator, identity: identity, expectedPeer: expectedPeer)
                var actions: [Action] = reply.isEmpty ? [] : [.write(reply)]
                if isInitiator { actions.append(.write(NoiseFrameReader.frame(try handshake.start()))) }
                phase = .handshake(handshake, NoiseFrameReader())
                return actions + (remainder.isEmpty ? [] : try receiveUnchecked(remainder))
            }
        case .handshake(var handshake, var reader):
            reader.append(bytes)
            guard let message = reader.next() else {
                phase = .handshake(handshake, reader)
                return []
            }
            switch try handshake.receive(message) {
            case .send(let out):
                phase = .handshake(handshake, reader)
                return [.write(NoiseFrameReader.frame(out))] + (try receiveUnchecked([]))
            case .complete(let last, let peer, let key, let transport):
                self.transport = transport
                var actions: [Action] = []
                if let last { actions.append(.write(NoiseFrameReader.frame(last))) }
                actions.append(.authenticated(peer, key))
                let ms = MultistreamSelect(
                    role: isInitiator ? .initiator(proposals: [YamuxSession.protocolID]) : .responder(supported: [YamuxSession.protocolID]))
                phase = .muxerNegotiation(ms)
                actions.append(.write(try seal(ms.start())))
                let remainder = reader.takeRemainder()
                return actions + (remainder.isEmpty ? [] : try receiveUnchecked(remainder))
            }
        case .muxerNegotiation(var ms):
            let plain = try open(bytes)
            switch try ms.receive(plain) {
            case .send(let out):
                phase = .muxerNegotiation(ms)
                return out.isEmpty ? [] : [.write(try seal(out))]
            case .agreed(_, let reply, let remainder):
                phase = .muxed(YamuxSession(isClient: isInitiator, limits: yamuxLimits))
                var actions: [Action] = reply.isEmpty ? [] : [.write(try seal(reply))]
                actions.append(.ready)
                return actions + (remainder.isEmpty ? [] : try muxedReceive(remainder))
            }
        case .muxed:
            return try muxedReceive(try open(bytes))
        }
    }

    private mutating func muxedReceive(_ plain: [UInt8]) throws -> [Action] {
        guard case .muxed(var session) = phase else { return [] }
        phase = .closed  // while `session` is out (avoids a copy of its buffers)
        defer { phase = .muxed(session) }
        let events = try session.receive(plain)
        var actions: [Action] = []
        let out = session.takeOutput()
        if !out.isEmpty { actions.append(.write(try seal(out))) }
        if !events.isEmpty { actions.append(.streams(events)) }
        return actions
    }

    /// Runs a local yamux operation and returns the bytes it wants written.
    mutating func withSession<T>(_ body: (inout YamuxSession) throws -> T) throws -> (T, [UInt8]) {
        guard case .muxed(var session) = phase else { throw WireError(.protocolViolation, "the connection is not ready for streams") }
        phase = .closed
        defer { phase = .muxed(session) }
        let result = try body(&session)
        let out = session.takeOutput()
        return (result, out.isEmpty ? [] : outbound(try seal(out)))
    }

    mutating func close() { phase = .closed }

    private mutating func seal(_ plain: [UInt8]) throws -> [UInt8] {
        guard transport != nil else { throw WireError(.protocolViolation, "no Noise session") }
        return try transport!.seal(plain)
    }

    private mutating func open(_ bytes: [UInt8]) throws -> [UInt8] {
        guard transport != nil else { throw WireError(.protocolViolation, "no Noise session") }
        return try transport!.open(bytes, into: &frames)
    }
}
