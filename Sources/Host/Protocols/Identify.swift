import Foundation
import Wire

/// `/ipfs/id/1.0.0`: on request, a peer writes one Identify message (uvarint-length-prefixed)
/// and closes; `/ipfs/id/push/1.0.0` sends the same unasked when something changed.
public enum Identify {
    public static let protocolID = "/ipfs/id/1.0.0"
    public static let pushProtocolID = "/ipfs/id/push/1.0.0"

    /// This host's Identify message for a peer seen at `observed`.
    static func message(host: P2PHost, observed: Multiaddr?) -> [UInt8] {
        var m = P2pmq_Libp2p_Identify_Identify()
        m.protocolVersion = host.config.protocolVersion
        m.agentVersion = host.config.agentVersion
        m.publicKey = Data(host.config.identity.publicKey.protobuf)
        m.listenAddrs = host.listenAddresses.map { Data($0.bytes) }
        if let observed { m.observedAddr = Data(observed.bytes) }
        m.protocols = host.registry.protocols.sorted()
        return (try? m.serializedBytes()) ?? []
    }

    /// Reads a whole identify response. Every known implementation length-prefixes it; a bare
    /// protobuf (old py-libp2p) is accepted too, recognised by the prefix not matching the length.
    static func read(_ stream: MuxedStream, maxLength: Int) async throws -> P2pmq_Libp2p_Identify_Identify {
        var all: [UInt8] = []
        while let chunk = try await stream.read() {
            all += chunk
            guard all.count <= maxLength + 10 else { throw WireError(.tooLarge, "identify message over \(maxLength) bytes") }
        }
        var reader = LengthPrefixedReader(maxLength: maxLength)
        reader.append(all)
        let body: [UInt8]
        if let framed = try? reader.next(), reader.takeRemainder().isEmpty {
            body = framed
        } else {
            body = all
        }
        do { return try P2pmq_Libp2p_Identify_Identify(serializedBytes: body) } catch {
            throw WireError(.malformed, "identify response is not an Identify protobuf")
        }
    }

    /// Stores what an Identify message says about `peer`.
    static func record(_ m: P2pmq_Libp2p_Identify_Identify, peer: PeerID, in store: PeerStore) {
        store.update(peer) { info in
            info.protocols = m.protocols
            if m.hasAgentVersion { info.agentVersion = m.agentVersion }
            if m.hasProtocolVersion { info.protocolVersion = m.protocolVersion }
            if m.hasPublicKey, let key = try? PublicKey(protobuf: Array(m.publicKey)), peer.matches(key) { info.publicKey = key }
            for raw in m.listenAddrs {
                if let addr = try? Multiaddr(bytes: Array(raw)), !info.addresses.contains(addr) { info.addresses.append(addr) }
            }
            if m.hasObservedAddr { info.observedAddress = try? Multiaddr(bytes: Array(m.observedAddr)) }
        }
    }
}
