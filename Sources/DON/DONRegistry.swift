/// The DON configurations this node knows, by DON id.
public struct DONRegistry: Sendable {
    public private(set) var configs: [String: DONConfig] = [:]

    public init(_ configs: [DONConfig] = []) {
        for c in configs { self.configs[c.id] = c }
    }

    public subscript(id: String) -> DONConfig? { configs[id] }

    public mutating func add(_ config: DONConfig) { configs[config.id] = config }
}
