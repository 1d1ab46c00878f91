import Wire

public typealias AgentError = CodedFailure<AgentErrorCode>

public enum AgentErrorCode: String, Sendable {
    /// The configuration file is not valid YAML, has an unknown key or a bad value.
    case invalidConfig
    /// A request the agent cannot carry out as asked (oversize message, empty topic).
    case invalidArgument
    /// The store stopped taking writes (disk full, I/O error); reported on health, ends the agent.
    case storeFailed
}
