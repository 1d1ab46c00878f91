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

    func publish(request: RPCAsyncSequence<Proto_PublishRequest, any Error>, response: RPCWriter<Proto_PublishResult>,
                 context: ServerContext) async throws {
        guard let publish else { throw RPCError(code: .unimplemented, message: "this server takes no publishes") }
        for try await r in request {
            do {
                let id = try await publish(r.topic, Array(r.data))
                try await response.write(.with { $0.messageID = id })
            } catch {
                try await response.write(.with { $0.error = "\(error)" })
            }
        }
    }
}
