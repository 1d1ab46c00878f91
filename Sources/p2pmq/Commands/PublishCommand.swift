import Agent
import AgentAPI
import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2

/// `p2pmq publish`: one message through a running agent's ControlService.Publish.
struct PublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publish a message (a signed report, a config update) through a running agent.",
        discussion: "Prints the message id the agent gives it. The agent refuses a config update on the registry topic that does not extend the chain, and says why.")

    @Option(help: "The agent's gRPC address, host:port or unix:/path.") var agent = "127.0.0.1:8001"
    @Option(help: "Topic to publish on.") var topic: String
    @Option(help: "File holding the message bytes (default: standard input).") var file: String?

    func run() async throws {
        let data: Data
        if let file {
            guard let d = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(file)") }
            data = d
        } else {
            data = FileHandle.standardInput.readDataToEndOfFile()
        }
        guard let address = GRPCAddress(agent) else { throw ValidationError("--agent \(agent) is not host:port or unix:/path") }
        do {
            let id = try await withGRPCClient(transport: try address.clientTransport()) { client in
                try await Proto_ControlService.Client(wrapping: client).publish(.with { $0.topic = topic; $0.data = data }).messageID
            }
            print(id)
        } catch let e as RPCError {
            throw ValidationError("the agent at \(agent) refused: \(e.code): \(e.message)")
        }
    }
}
