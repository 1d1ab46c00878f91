import Wire

public typealias GossipError = CodedFailure<GossipErrorCode>

public enum GossipErrorCode: String, Sendable {
    case invalidConfig
    case malformedRPC
    case tooLarge
    case policyViolation
}
