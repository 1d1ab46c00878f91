import Wire

/// libp2p mDNS discovery's messages (libp2p specs, discovery/mdns.md): a PTR query for the
/// service (`_p2p._udp.local` unless a tag names another), and a response naming a peer
/// (`<random name>.<service>`) with one TXT string `dnsaddr=<multiaddr>/p2p/<peer id>` per
/// address. The response also carries the SRV and A records DNS-SD browsers (zeroconf, which
/// go-libp2p and py-libp2p use) wait for before they read the TXT record.
public struct MDNSDiscovery: Sendable, Equatable {
    public static let standardService = "_p2p._udp.local"
    public static let port: UInt16 = 5353
    public static let ipv4Group = "224.0.0.251"

    /// The service's DNS name, without a trailing dot.
    public let service: String

    public init(service: String = MDNSDiscovery.standardService) {
        self.service = service
    }

    /// The service an agent's `mdnsTag` selects. go-libp2p's `NewMdnsService(host, tag, …)`
    /// announces `<tag>.local`; a tag that is a DNS-SD service type (`_name._udp`, `_name._tcp`)
    /// therefore picks that service, and peers with other tags do not see each other. Any other
    /// tag (the Go p2pmq's examples use `p2pmq/mdns/test`, which is no DNS name) only turns mDNS
    /// on, with the spec's `_p2p._udp.local`.
    public init(tag: String) {
        let labels = tag.hasSuffix(".local") ? Array(tag.split(separator: ".").dropLast()) : tag.split(separator: ".")
        let isServiceType = labels.count == 2 && labels[0].hasPrefix("_") && labels[0].count > 1
            && labels[0].count <= 63 && ["_udp", "_tcp"].contains(labels[1])
            && labels[0].utf8.allSatisfy { $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") || (0x30...0x39).contains($0) || (0x61...0x7a).contains($0 | 0x20) }
        self.init(service: isServiceType ? labels.joined(separator: ".") + ".local" : Self.standardService)
    }

    public func query() throws -> [UInt8] {
        try DNSMessage(questions: [.init(name: service, type: DNSMessage.typePTR)]).encode()
    }

    /// The instance name of a peer called `peerName` (a random label chosen at start).
    public func instance(_ peerName: String) -> String { peerName + "." + service }

    /// The response announcing `addresses` (each with its /p2p/ part) under `peerName`, with an
    /// SRV record pointing at `<peerName>.local` and an A record per address in `ipv4`.
    public func response(peerName: String, addresses: [Multiaddr], ipv4: [[UInt8]] = [], ttl: UInt32 = 120) throws -> [UInt8] {
        let instance = instance(peerName)
        let hostName = peerName + ".local"
        let txt = addresses.map { Array(("dnsaddr=" + $0.description).utf8) }
        // SRV wants a port; the TXT records are what libp2p reads, so the first TCP port will do.
        let port = addresses.lazy.compactMap { $0.hostAndPort?.port }.first.map { UInt16(clamping: $0) } ?? 4001
        let unique = DNSMessage.classIN | DNSMessage.cacheFlush
        var additionals: [DNSMessage.Record] = [
            .init(name: instance, type: DNSMessage.typeTXT, klass: unique, ttl: ttl, data: .txt(txt)),
            .init(name: instance, type: DNSMessage.typeSRV, klass: unique, ttl: ttl, data: .srv(port: port, target: hostName)),
        ]
        for address in ipv4 where address.count == 4 {
            additionals.append(.init(name: hostName, type: DNSMessage.typeA, klass: unique, ttl: ttl, data: .raw(address)))
        }
        return try DNSMessage(isResponse: true,
                              answers: [.init(name: service, type: DNSMessage.typePTR, ttl: ttl, data: .ptr(instance))],
                              additionals: additionals).encode()
    }

    /// Whether `message` asks for the service, or for the records of `peerName`'s instance or
    /// host (a browser that saw our PTR asks for those).
    public func isQuery(_ message: DNSMessage, peerName: String? = nil) -> Bool {
        guard !message.isResponse else { return false }
        let ours = peerName.map { [instance($0).lowercased(), ($0 + ".local").lowercased()] } ?? []
        return message.questions.contains { q in
            let name = q.name.lowercased()
            if name == service.lowercased() { return q.type == DNSMessage.typePTR || q.type == DNSMessage.typeANY }
            return ours.contains(name)
        }
    }

    /// The peers a response announces: the dnsaddr TXT strings of the instances its PTR records
    /// name, grouped by the peer id each ends in. Addresses without a peer id, or with an
    /// unspecified IP (0.0.0.0, ::), are skipped. `dnsaddr2=`, `dnsaddr3=`… are read as well:
    /// py-libp2p writes its addresses as numbered keys.
    public func peers(in message: DNSMessage) -> [(PeerID, [Multiaddr])] {
        guard message.isResponse else { return [] }
        let records = message.answers + message.additionals
        let service = service.lowercased()
        let instances = Set(records.compactMap { r -> String? in
            if r.name.lowercased() == service, case .ptr(let target) = r.data { return target.lowercased() }
            return nil
        })
        var found: [PeerID: [Multiaddr]] = [:]
        var order: [PeerID] = []
        for r in records where instances.contains(r.name.lowercased()) {
            guard case .txt(let strings) = r.data else { continue }
            for s in strings {
                guard let addr = Self.dnsaddr(s), let peer = addr.peerID else { continue }
                if found[peer] == nil { order.append(peer) }
                if found[peer, default: []].count < KadRoutingTable.maxAddresses { found[peer, default: []].append(addr) }
            }
        }
        return order.map { ($0, found[$0]!) }
    }

    /// The multiaddr of a `dnsaddr[N]=<multiaddr>` TXT string.
    static func dnsaddr(_ string: [UInt8]) -> Multiaddr? {
        let text = String(decoding: string, as: UTF8.self)
        guard text.hasPrefix("dnsaddr"), let eq = text.firstIndex(of: "=") else { return nil }
        guard text[text.index(text.startIndex, offsetBy: 7)..<eq].allSatisfy(\.isNumber) else { return nil }
        guard let addr = try? Multiaddr(String(text[text.index(after: eq)...])) else { return nil }
        if let host = addr.hostAndPort?.host, host == "0.0.0.0" || host == "::" { return nil }
        return addr
    }
}
