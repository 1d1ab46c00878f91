/// JSON string quoting, one implementation for the JSON lines the CLI and the store write and for
/// the Go-shaped trace file.
public enum JSONText {
    /// `s` as a JSON string. `goHTMLSafe`: also escape `<`, `>`, `&`, U+2028 and U+2029 as Go's
    /// `encoding/json` does (so lines match what Go tools write byte for byte).
    public static func quote(_ s: String, goHTMLSafe: Bool = false) -> String {
        var out = "\""
        out.reserveCapacity(s.utf8.count + 2)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where goHTMLSafe && ["<", ">", "&", "\u{2028}", "\u{2029}"].contains(scalar):
                out += escaped(scalar)
            case _ where scalar.value < 0x20:
                out += escaped(scalar)
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    private static func escaped(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16)
        return "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}
