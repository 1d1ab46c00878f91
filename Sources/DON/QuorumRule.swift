/// How many of a DON's n signers must sign a report. With f = floor((n-1)/3) faulty nodes
/// tolerated, the default n - f is the OCR rule: any two quorums share an honest node.
public enum QuorumRule: String, Sendable, Codable, CaseIterable {
    case `default` = "n-f"
    case fPlusOne = "f+1"
    case twoFPlusOne = "2f+1"

    public func required(signers n: Int) -> Int {
        let f = max(0, (n - 1) / 3)
        switch self {
        case .default: return n - f
        case .fPlusOne: return f + 1
        case .twoFPlusOne: return 2 * f + 1
        }
    }

    /// Accepts the raw values and the word `default`.
    public init?(text: String) {
        if text == "default" { self = .default } else if let rule = QuorumRule(rawValue: text) { self = rule } else { return nil }
    }
}
