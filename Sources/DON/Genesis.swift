import Foundation

/// The genesis file every agent and validator of a network starts from: the initial DON configs
/// and the topic their later config updates travel on. Also accepts a single `don.json` (a
/// network of one DON, default registry topic), so `--dons don.json` keeps working.
public struct Genesis: Sendable {
    public static let defaultRegistryTopic = "p2pmq/registry"

    public var registryTopic: String
    public var dons: [DONConfig]

    public init(registryTopic: String = Genesis.defaultRegistryTopic, dons: [DONConfig]) {
        self.registryTopic = registryTopic
        self.dons = dons
    }

    public var registry: DONRegistry { DONRegistry(dons) }

    private struct File: Codable {
        var registryTopic: String?
        var dons: [DONConfig.File]
    }

    public init(json: Data) throws {
        let object = try? JSONSerialization.jsonObject(with: json) as? [String: Any]
        guard object?["dons"] != nil else {
            self.init(dons: [try DONConfig(json: json)])
            return
        }
        let file: File
        do { file = try JSONDecoder().decode(File.self, from: json) } catch {
            throw DONError(.invalidConfig, "genesis file is not of the expected shape ({\"registryTopic\": ..., \"dons\": [...]}): \(error)")
        }
        let dons = try file.dons.map { try DONConfig(file: $0) }
        var seen = Set<String>()
        for d in dons where !seen.insert(d.id).inserted {
            throw DONError(.invalidConfig, "genesis lists DON \(d.id) twice")
        }
        let topic = file.registryTopic ?? Genesis.defaultRegistryTopic
        guard !topic.isEmpty else { throw DONError(.invalidConfig, "genesis registryTopic is empty") }
        self.init(registryTopic: topic, dons: dons)
    }

    /// Loads and merges genesis files (and single DON configs); a DON in two of them is an error.
    public static func load(paths: [String]) throws -> Genesis {
        var merged = Genesis(dons: [])
        var topics = Set<String>()
        for path in paths {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw DONError(.io, "cannot read DON config or genesis file \(path)")
            }
            let g: Genesis
            do { g = try Genesis(json: data) } catch let e as DONError { throw DONError(e.code, "\(path): \(e.message)") }
            for d in g.dons where merged.dons.contains(where: { $0.id == d.id }) {
                throw DONError(.invalidConfig, "\(path): DON \(d.id) is already defined by an earlier file")
            }
            merged.dons += g.dons
            if (try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["registryTopic"] != nil { topics.insert(g.registryTopic) }
        }
        guard topics.count <= 1 else { throw DONError(.invalidConfig, "genesis files name different registry topics: \(topics.sorted())") }
        merged.registryTopic = topics.first ?? defaultRegistryTopic
        return merged
    }

    public func json() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return (try? encoder.encode(File(registryTopic: registryTopic, dons: dons.map(\.file)))) ?? Data()
    }
}
