import AgentAPI
import GRPCCore

/// `proto.ControlService`: publish, subscribe, unsubscribe (the Go agent's).
struct ControlService: Proto_ControlService.SimpleServiceProtocol {
    let node: AgentNode

    func publish(request: Proto_PublishRequest, context: ServerContext) async throws -> Proto_PublishResponse {
        let id = try await mapErrors { try await node.publish(topic: request.topic, data: Array(request.data)) }
        return .with { $0.messageID = id }
    }

    func subscribe(request: Proto_SubscribeRequest, context: ServerContext) async throws -> Proto_SubscribeResponse {
        try await mapErrors { try await node.subscribe(request.topic) }
        return Proto_SubscribeResponse()
    }

    func unsubscribe(request: Proto_SubscribeRequest, context: ServerContext) async throws -> Proto_SubscribeResponse {
        await node.unsubscribe(request.topic)
        return Proto_SubscribeResponse()
    }
}

/// Agent errors as gRPC statuses: bad requests are INVALID_ARGUMENT, the rest INTERNAL with
/// the message (never a bare "internal error").
func mapErrors<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as AgentError {
        let code: RPCError.Code = switch error.code {
        case .invalidArgument: .invalidArgument
        case .storeFailed: .unavailable
        default: .internalError
        }
        throw RPCError(code: code, message: "\(error)")
    } catch let error as RPCError {
        throw error
    } catch {
        throw RPCError(code: .internalError, message: "\(error)")
    }
}
