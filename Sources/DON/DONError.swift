import Store
import Wire

/// An error of the DON layer (configs, keys, reports), with a code and an actionable message.
public struct DONError: Equatable, Sendable {
    public enum Code: String, Sendable {
        case invalidConfig
        case invalidKey
        case invalidReport
        case io
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
}

extension DONError: CodedError {}
