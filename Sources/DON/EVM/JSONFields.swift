import Foundation
import Wire

/// Typed reads of a contract event's fields given as JSON (the `don import` families): numbers as
/// JSON numbers or decimal strings, addresses and byte strings as 0x hex. Every error names the
/// field and what was wrong with it.
struct JSONFields {
    let object: [String: Any]

    init(_ object: [String: Any]) { self.object = object }

    static func object(_ data: Data, what: String) throws -> [String: Any] {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw DONError(.invalidConfig, "not a JSON object of \(what) fields")
        }
        return object
    }

    func field<T>(_ key: String, _ read: (Any) throws -> T?) throws -> T {
        guard let raw = object[key] else { throw DONError(.invalidConfig, "'\(key)' is missing") }
        guard let value = try read(raw) else { throw DONError(.invalidConfig, "'\(key)' has the wrong type: \(raw)") }
        return value
    }

    func number(_ key: String) throws -> UInt64 {
        try field(key) { raw in
            if let n = raw as? NSNumber {
                guard n.doubleValue >= 0, n.doubleValue == n.doubleValue.rounded(), let v = UInt64(exactly: n.doubleValue) else {
                    throw DONError(.invalidConfig, "'\(key)' must be a whole number >= 0, got \(n)")
                }
                return v
            }
            if let s = raw as? String {
                guard let v = UInt64(s) else { throw DONError(.invalidConfig, "'\(key)' must be a decimal number below 2^64, got '\(s)'") }
                return v
            }
            return nil
        }
    }

    func address(_ key: String) throws -> EVMAddress {
        try parseAddress(key, try field(key) { $0 as? String })
    }

    func addresses(_ key: String) throws -> [EVMAddress] {
        try field(key) { $0 as? [String] }.map { try parseAddress(key, $0) }
    }

    func hex(_ key: String) throws -> [UInt8] { try parseHex(key, try field(key) { $0 as? String }) }

    /// A bytes32 value.
    func word(_ key: String) throws -> [UInt8] {
        let bytes = try hex(key)
        guard bytes.count == 32 else { throw DONError(.invalidConfig, "'\(key)' must be 32 bytes, got \(bytes.count)") }
        return bytes
    }

    /// A bytes32[] value.
    func words(_ key: String) throws -> [[UInt8]] {
        try field(key) { $0 as? [String] }.map { text in
            let bytes = try parseHex(key, text)
            guard bytes.count == 32 else { throw DONError(.invalidConfig, "'\(key)' holds bytes32 values, got \(bytes.count) bytes") }
            return bytes
        }
    }

    private func parseAddress(_ key: String, _ text: String) throws -> EVMAddress {
        do { return try EVMAddress(hex: text) } catch let e as DONError { throw DONError(.invalidConfig, "'\(key)': \(e.message)") }
    }

    private func parseHex(_ key: String, _ text: String) throws -> [UInt8] {
        let body = text.hasPrefix("0x") ? String(text.dropFirst(2)) : text
        guard let bytes = Hex.decode(body.lowercased()) else { throw DONError(.invalidConfig, "'\(key)' is not 0x hex: '\(text.prefix(40))'") }
        return bytes
    }
}
