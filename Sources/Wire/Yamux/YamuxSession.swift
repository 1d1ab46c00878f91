/// One yamux session as a state machine: bytes in, events and bytes out. No I/O, no clock.
///
/// Flow control: every stream starts with a 256 KiB window each way. Data beyond the peer's
/// window is held here until a window update; a peer that sends beyond ours is a protocol error
/// (the session is closed with go-away). The owner reports with `consumed` what the application
/// has read; the window is reopened once half of it has been read, so a slow reader slows the
/// sender instead of growing buffers.
public struct YamuxSession: Sendable {
    public static let protocolID = "/yamux/1.0.0"
    public static let initialWindow: UInt32 = 256 * 1024

    public struct Limits: Sendable {
        public var maxStreams = 512
        /// Largest data frame accepted (bounded by the window anyway).
        public var maxFrame = Int(YamuxSession.initialWindow)
        public init() {}
    }

    public enum Event: Equatable, Sendable {
        /// The peer opened a stream.
        case opened(UInt32)
        /// The peer acknowledged a stream we opened.
        case acknowledged(UInt32)
        case data(UInt32, [UInt8])
        /// The peer half-closed the stream: no more data from it.
        case remoteClosed(UInt32)
        /// The stream is gone (reset by either side, or fully closed).
        case reset(UInt32)
        case pong(UInt32)
        case goAway(YamuxGoAway)
    }

    private struct Stream {
        var sendWindow = YamuxSession.initialWindow
        var receiveWindow = YamuxSession.initialWindow
        var consumedSinceUpdate: UInt32 = 0
        /// Bytes waiting for window: `pending[pendingStart...]`. Sent bytes are skipped by moving
        /// `pendingStart` and compacted now and then, so a backlog costs O(1) per write, not a
        /// copy of the whole backlog.
        var pending: [UInt8] = []
        var pendingStart = 0
        var pendingCount: Int { pending.count - pendingStart }
        var localClosed = false   // FIN queued or sent
        var finSent = false
        var remoteClosed = false
    }

    public let isClient: Bool
    public let limits: Limits
    private var streams: [UInt32: Stream] = [:]
    private var nextID: UInt32
    private var buffer: [UInt8] = []
    private var goneAway = false
    public private(set) var output: [UInt8] = []

    public init(isClient: Bool, limits: Limits = Limits()) {
        self.isClient = isClient
        self.limits = limits
        nextID = isClient ? 1 : 2
    }

    public var streamCount: Int { streams.count }

    /// Takes the bytes to write to the connection.
    public mutating func takeOutput() -> [UInt8] {
        defer { output = [] }
        return output
    }

    // MARK: local actions

    public mutating func openStream() throws -> UInt32 {
        guard !goneAway else { throw WireError(.protocolViolation, "yamux session is going away") }
        guard streams.count < limits.maxStreams else { throw WireError(.limit, "yamux stream limit \(limits.maxStreams) reached") }
        let id = nextID
        nextID += 2
        streams[id] = Stream()
        output += YamuxHeader(type: .windowUpdate, flags: .syn, streamID: id, length: 0).bytes
        return id
    }

    /// Queues `data`; sends what the peer's window allows now, the rest on window updates.
    public mutating func write(_ id: UInt32, _ data: [UInt8]) throws {
        guard let current = streams[id] else { throw WireError(.protocolViolation, "write on unknown yamux stream \(id)") }
        guard !current.localClosed else { throw WireError(.protocolViolation, "write after close on yamux stream \(id)") }
        // Moved out of the dictionary so that appending does not copy the backlog.
        var s = streams.removeValue(forKey: id)!
        s.pending += data
        flush(id, &s)
        streams[id] = s
    }

    /// Half-closes: no more data from us (FIN after pending data).
    public mutating func close(_ id: UInt32) {
        guard var s = streams[id], !s.localClosed else { return }
        s.localClosed = true
        flush(id, &s)
        finish(id, s)
    }

    public mutating func reset(_ id: UInt32) {
        guard streams.removeValue(forKey: id) != nil else { return }
        output += YamuxHeader(type: .windowUpdate, flags: .rst, streamID: id, length: 0).bytes
    }

    public mutating func ping(_ value: UInt32) {
        output += YamuxHeader(type: .ping, flags: .syn, streamID: 0, length: value).bytes
    }

    public mutating func goAway(_ code: YamuxGoAway) {
        guard !goneAway else { return }
        goneAway = true
        output += YamuxHeader(type: .goAway, streamID: 0, length: code.rawValue).bytes
    }

    /// The application read `count` bytes of stream `id`: reopens the window once half is read.
    public mutating func consumed(_ id: UInt32, _ count: Int) {
        guard var s = streams[id], count > 0 else { return }
        s.consumedSinceUpdate += UInt32(clamping: count)
        if s.consumedSinceUpdate >= Self.initialWindow / 2, !s.remoteClosed {
            output += YamuxHeader(type: .windowUpdate, streamID: id, length: s.consumedSinceUpdate).bytes
            s.receiveWindow += s.consumedSinceUpdate
            s.consumedSinceUpdate = 0
        }
        streams[id] = s
    }

    /// Bytes queued on a stream beyond the peer's window.
    public func pendingBytes(_ id: UInt32) -> Int { streams[id]?.pendingCount ?? 0 }

    // MARK: input

    /// Feeds bytes from the connection. A protocol error also queues a go-away; the caller then
    /// closes the connection with the thrown error as its reason.
    public mutating func receive(_ bytes: [UInt8]) throws -> [Event] {
        buffer += bytes
        var events: [Event] = []
        var offset = 0
        defer { buffer.removeFirst(offset) }
        while buffer.count - offset >= YamuxHeader.size {
            let header = try YamuxHeader(buffer[offset..<offset + YamuxHeader.size])
            var payload: [UInt8] = []
            if header.type == .data {
                guard Int(header.length) <= limits.maxFrame else {
                    goAway(.protocolError)
                    throw WireError(.tooLarge, "yamux data frame of \(header.length) bytes is over the \(limits.maxFrame)-byte limit")
                }
                guard buffer.count - offset >= YamuxHeader.size + Int(header.length) else { break }
                payload = Array(buffer[offset + YamuxHeader.size..<offset + YamuxHeader.size + Int(header.length)])
            }
            offset += YamuxHeader.size + payload.count
            do {
                try handle(header, payload, &events)
            } catch {
                goAway(.protocolError)
                throw error
            }
        }
        return events
    }

    private mutating func handle(_ h: YamuxHeader, _ payload: [UInt8], _ events: inout [Event]) throws {
        switch h.type {
        case .ping:
            if h.flags.contains(.syn) {
                output += YamuxHeader(type: .ping, flags: .ack, streamID: 0, length: h.length).bytes
            } else {
                events.append(.pong(h.length))
            }
            return
        case .goAway:
            goneAway = true
            events.append(.goAway(YamuxGoAway(rawValue: h.length) ?? .internalError))
            return
        case .data, .windowUpdate:
            break
        }
        let id = h.streamID
        guard id != 0 else { throw WireError(.protocolViolation, "yamux \(h.type) frame on stream 0") }
        if h.flags.contains(.syn) {
            guard streams[id] == nil else { throw WireError(.protocolViolation, "yamux SYN for open stream \(id)") }
            guard (id % 2 == 1) != isClient else { throw WireError(.protocolViolation, "yamux peer opened stream \(id) with our parity") }
            guard !goneAway, streams.count < limits.maxStreams else {
                output += YamuxHeader(type: .windowUpdate, flags: .rst, streamID: id, length: 0).bytes
                return
            }
            streams[id] = Stream()
            output += YamuxHeader(type: .windowUpdate, flags: .ack, streamID: id, length: 0).bytes
            events.append(.opened(id))
        }
        guard var s = streams[id] else {
            // Frames for a stream we already reset or closed: the peer has not seen that yet.
            return
        }
        if h.flags.contains(.ack) { events.append(.acknowledged(id)) }
        if h.type == .windowUpdate {
            s.sendWindow = s.sendWindow &+ h.length
            flush(id, &s)
        } else if !payload.isEmpty {
            guard !s.remoteClosed else { throw WireError(.protocolViolation, "yamux data after FIN on stream \(id)") }
            guard UInt32(payload.count) <= s.receiveWindow else {
                throw WireError(.flowControl, "yamux peer sent \(payload.count) bytes on stream \(id) with a window of \(s.receiveWindow)")
            }
            s.receiveWindow -= UInt32(payload.count)
            events.append(.data(id, payload))
        }
        if h.flags.contains(.rst) {
            streams[id] = nil
            events.append(.reset(id))
            return
        }
        if h.flags.contains(.fin), !s.remoteClosed {
            s.remoteClosed = true
            events.append(.remoteClosed(id))
        }
        finish(id, s)
    }

    /// Sends as much pending data as the window allows, then the FIN once all is out.
    private mutating func flush(_ id: UInt32, _ s: inout Stream) {
        while s.pendingCount > 0, s.sendWindow > 0 {
            let n = min(s.pendingCount, Int(s.sendWindow), 64 * 1024)
            output += YamuxHeader(type: .data, streamID: id, length: UInt32(n)).bytes
            output += s.pending[s.pendingStart..<s.pendingStart + n]
            s.pendingStart += n
            s.sendWindow -= UInt32(n)
        }
        if s.pendingCount == 0, s.pendingStart > 0 {
            s.pending.removeAll(keepingCapacity: s.pending.count <= 1 << 20)
            s.pendingStart = 0
        } else if s.pendingStart >= 1 << 16, s.pendingStart * 2 >= s.pending.count {
            s.pending.removeFirst(s.pendingStart)
            s.pendingStart = 0
        }
        if s.localClosed, !s.finSent, s.pendingCount == 0 {
            s.finSent = true
            output += YamuxHeader(type: .windowUpdate, flags: .fin, streamID: id, length: 0).bytes
        }
    }

    /// Stores the stream, or forgets it once both directions are closed.
    private mutating func finish(_ id: UInt32, _ s: Stream) {
        if s.finSent, s.remoteClosed { streams[id] = nil } else { streams[id] = s }
    }
}
