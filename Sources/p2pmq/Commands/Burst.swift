import Foundation
import Wire
import Core
import Gossip
import Store

/// The stdio agent's `burst` command, in the format of the interop reference peers, so the
/// pubsub benchmark drives Swift, go-libp2p and py-libp2p nodes alike: payload "PYB1", u32
/// sequence number, u64 wall-clock send time in ns (taken just before publishing), zero padding.
struct Burst {
    var topic: String
    var count: Int
    var size: Int
    /// Messages per second; 0 or less: as fast as publishing goes.
    var rate: Double

    static let magic = Array("PYB1".utf8)

    static func payload(seq: UInt32, size: Int, sentNanoseconds: UInt64) -> [UInt8] {
        var data = magic
        data += withUnsafeBytes(of: seq.bigEndian, Array.init)
        data += withUnsafeBytes(of: sentNanoseconds.bigEndian, Array.init)
        data += [UInt8](repeating: 0, count: max(0, size - data.count))
        return data
    }

    func run(_ pubsub: PubsubService, out: StdoutLines) async {
        let clock = ContinuousClock()
        let start = clock.now
        for i in 0..<count {
            if rate > 0 {
                let target = start.advanced(by: .seconds(Double(i) / rate))
                if target > clock.now { try? await Task.sleep(until: target, clock: clock) }
            }
            let now = WallClock.nanoseconds()
            await pubsub.publish(topic, data: Self.payload(seq: UInt32(truncatingIfNeeded: i), size: size, sentNanoseconds: now))
        }
        let elapsed = start.duration(to: clock.now)
        var l = JSONLine()
        l.add("event", "burst_done")
        l.add("topic", topic)
        l.add("count", count)
        l.addRaw("elapsed_s", String(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18))
        out.print(l.text)
    }
}
