/// Why a message got its verdict, parsed once from what a validator said (`code` or
/// `code: detail`, the form docs/DON.md gives and validators send over gRPC) so the node decides on
/// the code, never on string prefixes. `text` is what the log stores.
public struct VerdictReason: Sendable, Equatable, CustomStringConvertible {
    /// The machine-readable part: `too_late`, `bad_signature`, `published`, ...
    public var code: String
    /// The sentence after the code, if any.
    public var detail: String

    public init(code: String, detail: String = "") {
        self.code = code
        self.detail = detail
    }

    /// Splits `code: detail`; a text without a colon is all code.
    public init(parsing text: String) {
        if let colon = text.firstIndex(of: ":") {
            code = String(text[..<colon])
            detail = String(text[text.index(after: colon)...].drop(while: { $0 == " " }))
        } else {
            code = text
            detail = ""
        }
    }

    public var text: String { detail.isEmpty ? code : "\(code): \(detail)" }
    public var description: String { text }

    /// Our own publishes are stored with this reason.
    public static let published = VerdictReason(code: "published")
}
