import Core
import Host
import Logging
import ServiceLifecycle
import Wire

/// Keeps the configured bootstrappers connected: each is dialed whenever no connection to it is
/// up, with `ReconnectBackoff` between failed attempts, until the service group shuts down.
struct BootstrapDialer: Service {
    let host: P2PHost
    let bootstrappers: [Multiaddr]
    let logger: Logger
    var backoff = ReconnectBackoff()

    func run() async throws {
        await withDiscardingTaskGroup { group in
            for addr in bootstrappers { group.addTask { await keep(addr) } }
        }
    }

    private func keep(_ addr: Multiaddr) async {
        var backoff = self.backoff
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            var wait = backoff.initial
            if let peer = addr.peerID, host.connections(to: peer).isEmpty {
                do {
                    _ = try await host.dial(addr)
                    backoff.succeeded()
                } catch {
                    wait = backoff.failed()
                    logger.info("bootstrapper \(addr) not reachable: \(error); next try in \(wait)")
                }
            }
            let pause = wait
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) }
        }
    }
}
