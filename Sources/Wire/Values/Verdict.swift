/// The outcome of validating a message, as libp2p pubsub validators return it (ACCEPT forwards,
/// IGNORE drops quietly, REJECT drops and costs the sender). The log stores it with every record.
public enum Verdict: UInt8, Sendable, CaseIterable, Codable, CustomStringConvertible {
    case accept = 1
    case ignore = 2
    case reject = 3

    public var name: String {
        switch self {
        case .accept: "ACCEPT"
        case .ignore: "IGNORE"
        case .reject: "REJECT"
        }
    }

    public var description: String { name }

    /// Parses ACCEPT / IGNORE / REJECT (any case).
    public init?(name: String) {
        switch name.uppercased() {
        case "ACCEPT": self = .accept
        case "IGNORE": self = .ignore
        case "REJECT": self = .reject
        default: return nil
        }
    }
}
