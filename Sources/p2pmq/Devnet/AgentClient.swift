import Agent
import AgentAPI
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2

/// One gRPC connection to a devnet agent, kept for the whole run.
final class AgentClient: Sendable {
    let address: String
    private let client: GRPCClient<HTTP2ClientTransport.Posix>
    private let connections: Task<Void, Never>

    init(address: String) throws {
        guard let parsed = GRPCAddress(address) else { throw DevnetError("agent address \(address) is not host:port or unix:/path") }
        self.address = address
        let client = GRPCClient(transport: try parsed.clientTransport())
        self.client = client
        connections = Task { try? await client.runConnections() }
    }

    var control: Proto_ControlService.Client<HTTP2ClientTransport.Posix> { .init(wrapping: client) }
    var router: Proto_MsgRouter.Client<HTTP2ClientTransport.Posix> { .init(wrapping: client) }
    var admin: Proto_Admin.Client<HTTP2ClientTransport.Posix> { .init(wrapping: client) }

    func publish(topic: String, data: [UInt8]) async throws -> String {
        try await control.publish(.with { $0.topic = topic; $0.data = Data(data) }).messageID
    }

    func close() {
        client.beginGracefulShutdown()
        connections.cancel()
    }
}
