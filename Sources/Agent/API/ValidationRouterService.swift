import AgentAPI
import GRPCCore

/// `proto.ValidationRouter.Handle`: a validator's duplex stream. The agent writes messages to
/// judge; the validator writes back `ValidatedMessage`s with the message id. When the stream
/// ends, the validator's unanswered messages go to the other validators (see ValidatorPool).
struct ValidationRouterService: Proto_ValidationRouter.SimpleServiceProtocol {
    let pool: ValidatorPool

    func handle(request: RPCAsyncSequence<Proto_ValidatedMessage, any Error>, response: RPCWriter<Proto_Message>,
                context: ServerContext) async throws {
        let (id, messages) = await pool.connect()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await m in messages {
                    do { try await response.write(m) } catch { break }
                }
            }
            group.addTask {
                do {
                    for try await verdict in request { await pool.verdict(verdict) }
                } catch {}
            }
            // Either side ending ends the validator's session.
            await group.next()
            await pool.disconnect(id)
            group.cancelAll()
        }
    }
}
