import Core
import Foundation
import Yams

/// What reading a config file noticed that is not an error: keys the Go agent would ignore, values
/// it would map to a default. With `strict` (`--strict-config`) each of them is an error instead,
/// for operators who want typos caught.
public final class ConfigDiagnostics {
    public let strict: Bool
    public private(set) var warnings: [String] = []

    public init(strict: Bool) { self.strict = strict }

    /// Records `what` about `node`, or throws it under `strict`.
    func lenient(_ node: ConfigNode, _ what: String, strictly: String) throws {
        if strict { throw node.fail("\(strictly) (--strict-config)") }
        warnings.append("\(node.location): \(what)")
    }
}

/// A YAML node with the key path that leads to it, so every configuration error names the key
/// (`pubsub.overlay.dlo`) and the line. Unknown keys are warned about (the Go agent ignores them)
/// or, with strict diagnostics, refused.
public struct ConfigNode {
    public let path: String
    let node: Yams.Node
    let diagnostics: ConfigDiagnostics

    /// Parses a whole document (YAML, or JSON, which the YAML parser reads too); an empty
    /// document is an empty mapping.
    public static func parse(yaml: String, diagnostics: ConfigDiagnostics = ConfigDiagnostics(strict: true)) throws -> ConfigNode {
        do {
            let node = try Yams.compose(yaml: yaml) ?? .mapping(Node.Mapping([]))
            return ConfigNode(path: "", node: node, diagnostics: diagnostics)
        } catch let error as YamlError {
            throw AgentError(.invalidConfig, "not valid YAML: \(error)")
        }
    }

    var location: String {
        let name = path.isEmpty ? "the document" : "'\(path)'"
        return node.mark.map { "\(name) (line \($0.line))" } ?? name
    }

    func fail(_ what: String) -> AgentError { AgentError(.invalidConfig, "\(location): \(what)") }

    func child(_ key: String, _ node: Yams.Node) -> ConfigNode {
        ConfigNode(path: path.isEmpty ? key : "\(path).\(key)", node: node, diagnostics: diagnostics)
    }

    /// The mapping's entries. A key outside `known` is left out with a warning that names it, its
    /// line and the known keys (an error under strict diagnostics). An explicit null counts as
    /// absent.
    public func fields(_ known: [String]) throws -> [String: ConfigNode] {
        if isNull { return [:] }
        guard case .mapping(let mapping) = node else { throw fail("expected a mapping of keys (\(known.joined(separator: ", ")))") }
        var out: [String: ConfigNode] = [:]
        for (k, v) in mapping {
            guard let key = k.string else { throw fail("keys must be strings") }
            let value = child(key, v)
            guard known.contains(key) else {
                try diagnostics.lenient(value, "unknown key, ignored as the Go agent ignores it (known keys here: \(known.joined(separator: ", ")))",
                                        strictly: "unknown key; known keys here: \(known.joined(separator: ", "))")
                continue
            }
            if !value.isNull { out[key] = value }
        }
        return out
    }

    /// The mapping's entries with arbitrary keys (e.g. topic names).
    public func entries() throws -> [(String, ConfigNode)] {
        if isNull { return [] }
        guard case .mapping(let mapping) = node else { throw fail("expected a mapping") }
        return try mapping.map { k, v in
            guard let key = k.string else { throw fail("keys must be strings") }
            return (key, child(key, v))
        }
    }

    var isNull: Bool { if case .scalar = node { return node.null != nil }; return false }

    public func list() throws -> [ConfigNode] {
        guard case .sequence(let seq) = node else { throw fail("expected a list") }
        return seq.enumerated().map { ConfigNode(path: "\(path)[\($0.offset)]", node: $0.element, diagnostics: diagnostics) }
    }

    public func string() throws -> String {
        guard case .scalar(let s) = node else { throw fail("expected a text value") }
        return s.string
    }

    public func strings() throws -> [String] { try list().map { try $0.string() } }

    public func int(in range: ClosedRange<Int> = Int.min...Int.max) throws -> Int {
        guard let v = node.int else { throw fail("expected a whole number, got '\((try? string()) ?? "a structure")'") }
        guard range.contains(v) else { throw fail("\(v) is out of range \(range.lowerBound)...\(range.upperBound)") }
        return v
    }

    public func double() throws -> Double {
        guard let v = node.float ?? node.int.map(Double.init) else { throw fail("expected a number, got '\((try? string()) ?? "a structure")'") }
        return v
    }

    public func bool() throws -> Bool {
        guard let v = node.bool else { throw fail("expected true or false, got '\((try? string()) ?? "a structure")'") }
        return v
    }

    /// A Go duration ("15s", "1m30s", "250ms") or whole nanoseconds, as the Go agent's YAML has.
    public func duration() throws -> Duration {
        if let ns = node.int { return .nanoseconds(ns) }
        let text = try string()
        guard let d = GoDuration.parse(text) else { throw fail("expected a duration like 15s, 250ms or 1m30s, got '\(text)'") }
        return d
    }

    /// One of `choices`.
    public func choice(_ choices: [String]) throws -> String {
        let v = try string()
        guard choices.contains(v) else { throw fail("'\(v)' is not one of \(choices.joined(separator: ", "))") }
        return v
    }

    /// One of `choices`, or nil with a warning saying `fallback` is used (the Go agent's way with
    /// values it does not know; an error under strict diagnostics).
    func choice(_ choices: [String], unknownMeans fallback: String) throws -> String? {
        let v = try string()
        guard !choices.contains(v) else { return v }
        try diagnostics.lenient(self, "'\(v)' is not one of \(choices.joined(separator: ", ")): \(fallback), as the Go agent does",
                                strictly: "'\(v)' is not one of \(choices.joined(separator: ", "))")
        return nil
    }
}
