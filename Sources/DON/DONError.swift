import Wire

/// An error of the DON layer (configs, keys, reports), with a code and an actionable message.
public typealias DONError = CodedFailure<DONErrorCode>

public enum DONErrorCode: String, Sendable {
    case invalidConfig
    case invalidKey
    case invalidReport
    case io
}

