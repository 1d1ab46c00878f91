import Foundation

/// Standard-alphabet base64 with optional padding.
public enum Base64 {
    public static func encode(_ bytes: [UInt8], padded: Bool = true) -> String {
        let text = Data(bytes).base64EncodedString()
        return padded ? text : String(text.prefix { $0 != "=" })
    }

    /// nil unless `text` is base64 whose missing padding (if any) is the only difference from the
    /// padded form; the URL alphabet and embedded white space are refused.
    public static func decode(_ text: String) -> [UInt8]? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count % 4 != 1 else { return nil }
        let padding = (4 - trimmed.count % 4) % 4
        let padded = trimmed.hasSuffix("=") ? trimmed : trimmed + String(repeating: "=", count: padding)
        return Data(base64Encoded: padded).map(Array.init)
    }
}
