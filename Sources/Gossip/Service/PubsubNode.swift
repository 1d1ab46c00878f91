import Core

/// What the pubsub service asks of the node it serves: to judge a message (the validator path)
/// and to log a judged one before the core acts on the verdict. Handed over at `start(node:)`,
/// so nothing is wired in initializers; the agent's `AgentNode` is one, tests bring their own.
public protocol PubsubNode: Sendable {
    func validate(_ message: InboundMessage) async -> PubsubService.ValidationAnswer
    /// Appends the judged message (and a REJECT's penalty) to the log: validator REJECTs are
    /// recorded there, not repeated on `penalties`.
    func append(_ judged: JudgedMessage) async -> PubsubService.LogReceipt
}
