import DON
import Core
import Gossip
import Foundation
import NIOConcurrencyHelpers
import Store

/// The running agent's DON registry: the genesis plus every config update applied since, shared
/// by the live verifier, range sync and the persist path (which applies updates). Updates are
/// judged by the agent itself, never by a connected validator: keys are the network's
/// infrastructure, as the sync protocol is; validators follow the chain on the registry topic.
final class RegistryState: Sendable {
    let topic: String
    private let box: NIOLockedValueBox<DONRegistry>

    /// Rebuilds the chain from the genesis and the updates stored in the `registry` database; a
    /// stored update that does not extend the chain means the data dir belongs to another network.
    init(genesis: Genesis, stored: [LogRecord]) throws {
        topic = genesis.registryTopic
        var registry = genesis.registry
        for record in stored {
            let outcome = registry.apply(data: record.data)
            if case .extends = outcome { continue }
            throw AgentError(.invalidConfig, "the store's config update \(record.don) v\(record.seq) does not extend the genesis chain (\(outcome.reason)); is this data dir from another network's genesis?")
        }
        box = NIOLockedValueBox(registry)
    }

    var current: DONRegistry { box.withLockedValue { $0 } }

    /// Judges data published on the registry topic without applying it.
    func judge(_ data: [UInt8]) -> ConfigUpdateCheck.Outcome {
        box.withLockedValue { ConfigUpdateCheck.judge(data: data, against: $0) }
    }

    /// Judges and, when it extends its DON's chain, applies an update, atomically.
    func apply(_ data: [UInt8]) -> ConfigUpdateCheck.Outcome {
        box.withLockedValue { $0.apply(data: data) }
    }
}

extension ConfigUpdateCheck.Outcome {
    /// How the gossip router treats the update: apply-and-forward, drop, or penalize.
    var verdict: GossipsubRouter.Verdict {
        switch self {
        case .extends: return .accept
        case .known, .ahead: return .ignore
        case .invalid(let why): return .reject(reason: why)
        }
    }
}
