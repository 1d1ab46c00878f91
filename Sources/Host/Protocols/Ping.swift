import Foundation
import Wire

/// `/ipfs/ping/1.0.0`: the dialer writes 32 random bytes, the listener echoes them.
public enum Ping {
    public static let protocolID = "/ipfs/ping/1.0.0"
    static let size = 32

    /// Echoes until the remote closes.
    static func serve(_ stream: MuxedStream) async {
        do {
            while true {
                let payload = try await stream.read(exactly: size)
                try await stream.write(payload)
            }
        } catch {
            await stream.close()
        }
    }

    /// Round-trip times in seconds of `count` pings on one stream.
    public static func run(on connection: Connection, count: Int, interval: Duration = .zero) async throws -> [Double] {
        let stream = try await connection.openStream([protocolID])
        var rtts: [Double] = []
        for i in 0..<count {
            if i > 0, interval > .zero { try await Task.sleep(for: interval) }
            var payload = [UInt8](repeating: 0, count: size)
            for j in payload.indices { payload[j] = .random(in: 0...255) }
            let start = DispatchTime.now().uptimeNanoseconds
            try await stream.write(payload)
            let echo = try await stream.read(exactly: size)
            guard echo == payload else { throw WireError(.protocolViolation, "ping echo does not match what was sent") }
            rtts.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        await stream.close()
        return rtts
    }
}
