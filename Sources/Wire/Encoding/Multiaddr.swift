import Glibc

/// A multiaddr: a path of protocol components (`/ip4/127.0.0.1/tcp/4001/p2p/12D3KooW...`), with
/// its text and binary (varint code + value) forms. Supports ip4, ip6, tcp, dns, dns4, dns6, p2p.
public struct Multiaddr: Hashable, Sendable, CustomStringConvertible {
    public enum Component: Hashable, Sendable {
        case ip4([UInt8])
        case ip6([UInt8])
        case tcp(UInt16)
        case dns(String)
        case dns4(String)
        case dns6(String)
        case p2p(PeerID)
    }

    public var components: [Component]

    public init(_ components: [Component]) { self.components = components }

    // MARK: text

    public init(_ text: String) throws {
        var parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.first == "", parts.count >= 3 else {
            throw WireError(.malformed, "multiaddr '\(text)' must start with / and name a protocol and a value")
        }
        parts.removeFirst()
        var components: [Component] = []
        var i = 0
        while i < parts.count {
            let name = parts[i]
            guard i + 1 < parts.count else { throw WireError(.malformed, "multiaddr '\(text)': /\(name) has no value") }
            let value = parts[i + 1]
            i += 2
            switch name {
            case "ip4":
                var addr = in_addr()
                guard inet_pton(AF_INET, value, &addr) == 1 else { throw WireError(.malformed, "'\(value)' is not an IPv4 address") }
                components.append(.ip4(withUnsafeBytes(of: addr) { Array($0) }))
            case "ip6":
                var addr = in6_addr()
                guard inet_pton(AF_INET6, value, &addr) == 1 else { throw WireError(.malformed, "'\(value)' is not an IPv6 address") }
                components.append(.ip6(withUnsafeBytes(of: addr) { Array($0) }))
            case "tcp":
                guard let port = UInt16(value) else { throw WireError(.malformed, "'\(value)' is not a TCP port") }
                components.append(.tcp(port))
            case "dns", "dns4", "dns6":
                guard !value.isEmpty, value.utf8.count <= 255 else { throw WireError(.malformed, "bad DNS name '\(value)'") }
                components.append(name == "dns" ? .dns(value) : name == "dns4" ? .dns4(value) : .dns6(value))
            case "p2p", "ipfs":
                components.append(.p2p(try PeerID(value)))
            default:
                throw WireError(.unsupported, "multiaddr protocol /\(name) is not supported (ip4, ip6, tcp, dns, dns4, dns6, p2p are)")
            }
        }
        self.components = components
    }

    public var description: String {
        components.map { c -> String in
            switch c {
            case .ip4(let b):
                return "/ip4/" + b.map(String.init).joined(separator: ".")
            case .ip6(let b):
                var addr = in6_addr()
                withUnsafeMutableBytes(of: &addr) { $0.copyBytes(from: b) }
                var buf = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
                inet_ntop(AF_INET6, &addr, &buf, socklen_t(buf.count))
                return "/ip6/" + String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            case .tcp(let p): return "/tcp/\(p)"
            case .dns(let n): return "/dns/\(n)"
            case .dns4(let n): return "/dns4/\(n)"
            case .dns6(let n): return "/dns6/\(n)"
            case .p2p(let id): return "/p2p/\(id)"
            }
        }.joined()
    }

    // MARK: binary

    static let codes: [String: UInt64] = ["ip4": 4, "tcp": 6, "ip6": 41, "dns": 53, "dns4": 54, "dns6": 55, "p2p": 421]

    public var bytes: [UInt8] {
        var out: [UInt8] = []
        for c in components {
            switch c {
            case .ip4(let b): Varint.append(4, to: &out); out += b
            case .ip6(let b): Varint.append(41, to: &out); out += b
            case .tcp(let p): Varint.append(6, to: &out); out += [UInt8(p >> 8), UInt8(p & 0xFF)]
            case .dns(let n): Self.appendSized(53, Array(n.utf8), &out)
            case .dns4(let n): Self.appendSized(54, Array(n.utf8), &out)
            case .dns6(let n): Self.appendSized(55, Array(n.utf8), &out)
            case .p2p(let id): Self.appendSized(421, id.bytes, &out)
            }
        }
        return out
    }

    private static func appendSized(_ code: UInt64, _ value: [UInt8], _ out: inout [UInt8]) {
        Varint.append(code, to: &out)
        Varint.append(UInt64(value.count), to: &out)
        out += value
    }

    public init(bytes: [UInt8]) throws {
        var components: [Component] = []
        var rest = bytes[...]
        func varint() throws -> UInt64 {
            guard case .value(let v, let n) = try Varint.decode(rest) else { throw WireError(.truncated, "multiaddr ends inside a varint") }
            rest = rest.dropFirst(n)
            return v
        }
        func take(_ n: Int) throws -> [UInt8] {
            guard rest.count >= n else { throw WireError(.truncated, "multiaddr ends inside a component") }
            defer { rest = rest.dropFirst(n) }
            return Array(rest.prefix(n))
        }
        while !rest.isEmpty {
            switch try varint() {
            case 4: components.append(.ip4(try take(4)))
            case 41: components.append(.ip6(try take(16)))
            case 6:
                let p = try take(2)
                components.append(.tcp(UInt16(p[0]) << 8 | UInt16(p[1])))
            case let code where code == 53 || code == 54 || code == 55:
                let len = try varint()
                guard len <= 255 else { throw WireError(.malformed, "DNS name of \(len) bytes") }
                let name = String(decoding: try take(Int(len)), as: UTF8.self)
                components.append(code == 53 ? .dns(name) : code == 54 ? .dns4(name) : .dns6(name))
            case 421:
                let len = try varint()
                guard len <= 64 else { throw WireError(.malformed, "peer id of \(len) bytes") }
                components.append(.p2p(try PeerID(bytes: try take(Int(len)))))
            case let code:
                throw WireError(.unsupported, "multiaddr protocol code \(code) is not supported")
            }
        }
        self.components = components
    }

    // MARK: parts

    /// The peer id of a trailing `/p2p/` component.
    public var peerID: PeerID? {
        if case .p2p(let id) = components.last { return id }
        return nil
    }

    /// Without the trailing `/p2p/` component.
    public var transportPart: Multiaddr {
        peerID == nil ? self : Multiaddr(Array(components.dropLast()))
    }

    /// Host and TCP port, for dialing and listening.
    public var hostAndPort: (host: String, port: Int)? {
        guard components.count >= 2, case .tcp(let port) = components[1] else { return nil }
        switch components[0] {
        case .ip4(let b): return (b.map(String.init).joined(separator: "."), Int(port))
        case .ip6: return (String(Multiaddr([components[0]]).description.dropFirst(5)), Int(port))
        case .dns(let n), .dns4(let n), .dns6(let n): return (n, Int(port))
        default: return nil
        }
    }

    public func appending(_ component: Component) -> Multiaddr { Multiaddr(components + [component]) }
}
