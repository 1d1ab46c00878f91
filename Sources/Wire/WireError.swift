/// A protocol violation or undecodable input on the wire. The connection (or stream) it came from
/// is closed with this as the logged reason.
public typealias WireError = CodedFailure<WireErrorCode>

public enum WireErrorCode: String, Sendable {
    case truncated
    case malformed
    case tooLarge
    case unsupported
    case badSignature
    case peerIDMismatch
    case protocolViolation
    case decryptFailed
    case flowControl
    case limit
}

/// An error with a stable code for scripts and a message a person can act on. Each layer has its
/// own set of codes (`WireErrorCode`, `StoreErrorCode`, ...) and a typealias for its error.
public struct CodedFailure<Code: RawRepresentable & Hashable & Sendable>: Error, Equatable, Sendable, CustomStringConvertible
where Code.RawValue == String {
    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
