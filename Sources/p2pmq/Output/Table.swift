import Foundation
import Store

/// A value in a row of output; numbers stay numbers in JSON.
enum Cell {
    case text(String)
    case number(UInt64)
    case decimal(Double)
    /// JSON text kept as is in JSON output, shown as `display` in tables and CSV.
    case json(String, display: String)

    var display: String {
        switch self {
        case .text(let s): s
        case .number(let n): String(n)
        case .decimal(let d): String(format: "%.3f", d)
        case .json(_, let display): display
        }
    }
}

/// Rows with named columns, printed as an aligned table, CSV, or JSON lines.
struct Table {
    let columns: [String]
    private(set) var rows: [[Cell]] = []

    init(_ columns: [String]) { self.columns = columns }

    mutating func add(_ row: [Cell]) {
        precondition(row.count == columns.count, "row has \(row.count) cells for \(columns.count) columns")
        rows.append(row)
    }

    func render(_ format: OutputFormat) -> String {
        switch format {
        case .json:
            return rows.map { row in
                var line = JSONLine()
                for (name, cell) in zip(columns, row) {
                    switch cell {
                    case .text(let s): line.add(name, s)
                    case .number(let n): line.add(name, n)
                    case .decimal(let d): line.add(name, d)
                    case .json(let raw, _): line.addRaw(name, raw)
                    }
                }
                return line.text + "\n"
            }.joined()
        case .csv:
            return ([columns] + rows.map { $0.map(\.display) })
                .map { $0.map(Self.csvField).joined(separator: ",") + "\n" }.joined()
        case .table:
            let shown = rows.map { $0.map(\.display) }
            let widths = columns.indices.map { i in
                ([columns[i].count] + shown.map { $0[i].count }).max() ?? 0
            }
            func line(_ cells: [String]) -> String {
                zip(cells, widths).enumerated().map { i, pair in
                    i == cells.count - 1 ? pair.0 : pair.0.padding(toLength: pair.1, withPad: " ", startingAt: 0)
                }.joined(separator: "  ") + "\n"
            }
            return line(columns.map { $0.uppercased() }) + shown.map(line).joined()
        }
    }

    private static func csvField(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
