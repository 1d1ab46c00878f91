import Core
@testable import Agent
import Foundation
import Store
import TestSupport
import Wire

/// A small real store that range requests are answered from: 200 reports of don-a with a gap.
nonisolated(unsafe) private let servingStore: ReportStore = {
    let dir = NSTemporaryDirectory() + "p2pmq-fuzz-sync-\(getpid())"
    try? FileManager.default.removeItem(atPath: dir)
    let store = try! ReportStore.open(dataDir: dir)
    var f = RecordFactory(topic: "don-a/reports")
    _ = try! store.appendAndWait((1...200).filter { $0 % 37 != 0 }.map { f.item(seq: UInt64($0)) })
    atexit { try? FileManager.default.removeItem(atPath: NSTemporaryDirectory() + "p2pmq-fuzz-sync-\(getpid())") }
    return store
}()

/// /p2pmq/sync/1.0.0 from both ends: a server decoding a request and answering it from a real
/// store, and a client decoding a status response (credible heads) and the frames of a range
/// response through the range checker.
func fuzzSync(_ bytes: [UInt8]) {
    guard let selector = bytes.first else { return }
    var reader = LengthPrefixedReader(maxLength: SyncProtocol.maxRequestBytes)
    reader.append(Array(bytes.dropFirst()))
    switch selector % 3 {
    case 0:
        guard let first = try? reader.next(), let request = try? P2pmq_Sync_SyncRequest(serializedBytes: first) else { return }
        if case .range(let r) = request.kind {
            let answer = RangeServer(store: servingStore).answer(r)
            var receiver = RangeReceiver(start: r.startSeq, count: r.count)
            // What the server says must pass the client's own check.
            for frame in answer.frames {
                do { _ = try receiver.receive(frame) } catch { preconditionFailure("own answer to \(r) fails the range check: \(error)") }
            }
        }
    case 1:
        guard let first = try? reader.next(), let status = try? P2pmq_Sync_StatusResponse(serializedBytes: first) else { return }
        let holders = status.heads.map { CatchUpPlan.Holder(peer: $0.topic, first: $0.firstSeq, head: $0.headSeq) }
        let local = status.heads.first.map(\.logLength)
        let (kept, best, limit, _) = CredibleHeads.cap(holders, local: local, maxSeqGap: 1000)
        if let limit { precondition(kept.allSatisfy { $0.head <= limit }, "a kept head is above the limit") }
        _ = best
    default:
        var receiver = RangeReceiver(start: UInt64(selector), count: UInt32(selector) * 7)
        while let frame = try? reader.next() {
            guard let f = try? SyncProtocol.Frame(serializedBytes: frame) else { return }
            guard let event = try? receiver.receive(f) else { return }
            if case .end = event { return }
        }
    }
}
