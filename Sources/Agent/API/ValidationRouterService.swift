import AgentAPI
import GRPCCore

/// `proto.ValidationRouter.Handle`: a validator's duplex stream. The agent writes messages to
/// judge; the validator writes back `ValidatedMessage`s with the message id. When the stream
/// ends, the validator's unanswered messages go to the other validators (see ValidatorPool).
struct ValidationRouterService: Proto_ValidationRouter.SimpleServiceProtocol {
    let pool: ValidatorPool

    func handle(request: RPCAsyncSequence<Proto_ValidatedMessage, any Error>, response: RPCWriter<Proto_Message>,
                context: ServerContext) async throws {
        // A replay submits hundreds at once: one write call for the batch.
        await serveValidator(pool, write: { try await response.write(contentsOf: $0) }) {
            for try await verdict in request { await pool.verdict(verdict) }
        }
    }
}

/// One validator's session on either stream: the pool's batches go out through `write`, and
/// `readVerdicts` hands the validator's verdicts to the pool until its side ends. Either side
/// ending ends the session; its unanswered messages go to the other validators.
func serveValidator(_ pool: ValidatorPool, write: @escaping @Sendable ([Proto_Message]) async throws -> Void,
                    readVerdicts: @escaping @Sendable () async throws -> Void) async {
    let (id, messages) = await pool.connect()
    await withTaskGroup(of: Void.self) { group in
        group.addTask {
            for await batch in messages {
                do { try await write(batch) } catch { break }
            }
        }
        group.addTask { try? await readVerdicts() }
        await group.next()
        await pool.disconnect(id)
        group.cancelAll()
    }
}
