import Store

/// A report body's fields (`ReportBodyFields`) as one JSON object of strings, for `--json`.
enum ReportBodyJSON {
    static func object(_ fields: [(String, String)]) -> String {
        "{" + fields.map { JSONLine.quote($0.0) + ":" + JSONLine.quote($0.1) }.joined(separator: ",") + "}"
    }
}
