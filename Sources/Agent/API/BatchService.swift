import AgentAPI
import GRPCCore

/// `proto.Batch`: the high-rate forms of the Go API's streams. `Validate` is
/// ValidationRouter.Handle with many messages per frame (a batch of the pool's is one frame);
/// `Publish` is ControlService.Publish streamed, one result per request in order.
struct BatchService: Proto_Batch.SimpleServiceProtocol {
    let pool: ValidatorPool
    /// Publishes one message and returns its id (nil: this server takes no publishes, e.g.
    /// `p2pmq replay --serve`).
    let publish: (@Sendable (_ topic: String, _ data: [UInt8]) async throws -> String)?

    func validate(request: RPCAsyncSequence<Proto_ValidatedMessageBatch, any Error>, response: RPCWriter<Proto_MessageBatch>,
                  context: ServerContext) async throws {
        await serveValidator(pool, write: { batch in try await response.write(.with { $0.messages = batch }) }) {
            for try await batch in request { await pool.verdicts(batch.verdicts) }
        }
    }

    /// Publishes in flight at once on one stream: a publish waits for its group commit, so
    /// one at a time would cap a stream at one message per commit.
    static let publishWindow = 256

    func publish(request: RPCAsyncSequence<Proto_PublishRequest, any Error>, response: RPCWriter<Proto_PublishResult>,
                 context: ServerContext) async throws {
        guard let publish else { throw RPCError(code: .unimplemented, message: "this server takes no publishes") }
        // Up to `publishWindow` publishes run at once; results are written in request order.
        try await withThrowingTaskGroup(of: (Int, Proto_PublishResult).self) { group in
            var done: [Int: Proto_PublishResult] = [:]
            var nextToWrite = 0, started = 0
            func writeReady() async throws {
                while let r = done.removeValue(forKey: nextToWrite) {
                    try await response.write(r)
                    nextToWrite += 1
                }
            }
            for try await r in request {
                if started - nextToWrite >= Self.publishWindow, let (i, result) = try await group.next() {
                    done[i] = result
                    try await writeReady()
                }
                let index = started
                started += 1
                group.addTask {
                    do {
                        let id = try await publish(r.topic, Array(r.data))
                        return (index, .with { $0.messageID = id })
                    } catch {
                        return (index, .with { $0.error = "\(error)" })
                    }
                }
            }
            while let (i, result) = try await group.next() {
                done[i] = result
                try await writeReady()
            }
        }
    }
}
