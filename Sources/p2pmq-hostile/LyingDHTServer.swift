import Core
import Foundation
import Host
import NIOConcurrencyHelpers
import Wire

/// A Kademlia DHT server that lies (dht_lies): listed in identify, so honest agents take it into
/// their routing tables, and every FIND_NODE, GET_PROVIDERS or GET_VALUE it is asked comes back
/// with hundreds of made-up "closer" peers, fresh each time (a lookup that believed them would
/// never end), and GET_PROVIDERS with made-up providers of the topic. Their addresses lead
/// nowhere: half to a closed port on the asker's own loopback, half to an address on the test
/// hosts' subnet that no host has (dials wait for ARP to give up). Honest agents must spend
/// bounded memory and time on it: nothing here can be proven a lie, so no penalty is expected.
final class LyingDHTServer: Sendable {
    static let closerPerAnswer = 200
    static let providersPerAnswer = 50
    private let served = NIOLockedValueBox((requests: 0, peersNamed: 0))

    var counts: (requests: Int, peersNamed: Int) { served.withLockedValue { ($0.requests, $0.peersNamed) } }

    func install(on host: P2PHost, protocolPrefix: String) {
        host.registry.set(KadProtocol.id(prefix: protocolPrefix)) { [self] stream in
            while let bytes = try? await stream.readMessage(maxLength: KadProtocol.maxMessageBytes),
                  let request = try? Dht_Pb_Message(serializedBytes: bytes) {
                var reply = Dht_Pb_Message()
                reply.type = request.type
                reply.key = request.key
                switch request.type {
                case .findNode, .getValue:
                    reply.closerPeers = Self.madeUp(Self.closerPerAnswer)
                case .getProviders:
                    reply.closerPeers = Self.madeUp(Self.closerPerAnswer)
                    reply.providerPeers = Self.madeUp(Self.providersPerAnswer)
                case .ping:
                    break
                default:
                    continue
                }
                served.withLockedValue {
                    $0.requests += 1
                    $0.peersNamed += reply.closerPeers.count + reply.providerPeers.count
                }
                guard (try? await stream.writeMessage(try reply.serializedBytes())) != nil else { return }
            }
            await stream.close()
        }
    }

    /// `count` peers that do not exist, at addresses where nobody answers.
    static func madeUp(_ count: Int) -> [Dht_Pb_Message.Peer] {
        (0..<count).map { i in
            let id = PrivateKey.generate().peerID
            let text = i % 2 == 0 ? "/ip4/127.0.0.1/tcp/1" : "/ip4/10.77.0.\(200 + i % 50)/tcp/4001"
            return KadProtocol.peer(id, [try! Multiaddr(text)])
        }
    }
}
