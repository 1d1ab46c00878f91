/// A protocol violation or undecodable input on the wire. The connection (or stream) it came from
/// is closed with this as the logged reason.
public struct WireError: Equatable, Sendable {
    public enum Code: String, Sendable {
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

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
}

extension WireError: CodedError {}

/// An error with a stable code for scripts and a message for people; each layer has its own.
public protocol CodedError: Error, CustomStringConvertible {
    associatedtype Code: RawRepresentable<String>
    var code: Code { get }
    var message: String { get }
}

extension CodedError {
    public var description: String { "\(code.rawValue): \(message)" }
}
