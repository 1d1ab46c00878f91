import Agent
import AgentAPI
import GRPCCore
import GRPCNIOTransportHTTP2
import Store

/// A validator that accepts everything, connected to `pool` over gRPC (`ValidationRouter.Handle`
/// on 127.0.0.1, or the batched `Batch.Validate`) as a validator process would be: what replay
/// benchmarks judge with.
struct AcceptAllValidator {
    let endpoint: ValidationEndpoint
    let serving: Task<Void, Error>
    let client: Task<Void, Error>

    static func connect(to pool: ValidatorPool, batched: Bool = false) async throws -> AcceptAllValidator {
        let endpoint = ValidationEndpoint(pool: pool, host: "127.0.0.1", port: 0)
        let serving = Task { try await endpoint.serve() }
        let port = try await endpoint.port()
        let client = Task {
            try await withGRPCClient(transport: .http2NIOPosix(target: .ipv4(host: "127.0.0.1", port: port), transportSecurity: .plaintext)) { client in
                if batched {
                    try await acceptEverything(Proto_Batch.Client(wrapping: client))
                } else {
                    try await acceptEverything(Proto_ValidationRouter.Client(wrapping: client))
                }
            }
        }
        while await pool.count == 0 { try await Task.sleep(for: .milliseconds(10)) }
        return AcceptAllValidator(endpoint: endpoint, serving: serving, client: client)
    }

    /// A validator on `Batch.Validate` that accepts everything: a batch of verdicts per batch.
    static func acceptEverything(_ batch: Proto_Batch.Client<HTTP2ClientTransport.Posix>) async throws {
        let (verdicts, sink) = AsyncStream.makeStream(of: Proto_ValidatedMessageBatch.self)
        try await batch.validate { writer in
            for await v in verdicts { try await writer.write(v) }
        } onResponse: { response in
            for try await b in response.messages {
                sink.yield(.with { $0.verdicts = b.messages.map { m in .with { $0.msg = .with { $0.messageID = m.messageID }; $0.result = .accept } } })
            }
            sink.finish()
        }
    }

    /// The same on the Go API's `ValidationRouter.Handle`: a verdict per message.
    static func acceptEverything(_ router: Proto_ValidationRouter.Client<HTTP2ClientTransport.Posix>) async throws {
        let (verdicts, sink) = AsyncStream.makeStream(of: Proto_ValidatedMessage.self)
        try await router.handle { writer in
            for await v in verdicts { try await writer.write(v) }
        } onResponse: { response in
            for try await m in response.messages {
                sink.yield(.with { $0.msg = .with { $0.messageID = m.messageID }; $0.result = .accept })
            }
            sink.finish()
        }
    }

    func stop() async {
        client.cancel()
        await endpoint.stop()
        serving.cancel()
    }
}

/// Replays the whole of `topic` through `pool` with `window` in flight; returns records/s.
func replayRate(_ store: ReportStore, topic: String, pool: ValidatorPool, window: Int, expect: Int) async throws -> Double {
    var options = Replayer.Options(topic: topic)
    options.window = window
    let result = try await Replayer(store: store, pool: pool).run(options)
    precondition(result.replayed == expect && result.stoppedAt == nil, "replay stopped: \(result.stopReason ?? "") after \(result.replayed)")
    return result.rate
}
