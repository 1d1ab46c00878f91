import Foundation

/// Test hosts on one machine: `count` Linux network namespaces, each with one veth link to a
/// bridge that lives in a namespace of its own, at 10.79.0.1 … 10.79.0.N/24. Nothing touches the
/// machine's own interfaces, so multicast (mDNS) and fixed ports stay inside. Names carry a random
/// prefix, so runs side by side do not collide. Needs root and iproute2 (`ip`).
public final class NetworkNamespaces: @unchecked Sendable {
    // @unchecked: immutable after init; `remove` is idempotent and runs `ip` only.
    public let prefix: String
    public let count: Int
    private let ip: String

    /// Why namespaces cannot be made here (nil: they can).
    public static var unavailableReason: String? {
        guard getuid() == 0 else { return "network namespaces need root" }
        guard ipPath != nil else { return "iproute2's `ip` is not installed" }
        return nil
    }

    /// Whether a test must fail (not skip) without them: in CI, or when asked.
    public static var required: Bool {
        let env = ProcessInfo.processInfo.environment
        return env["CI"] != nil || env["P2PMQ_NETNS_REQUIRED"] == "1"
    }

    static var ipPath: String? {
        ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    public init(count: Int) throws {
        guard let ip = Self.ipPath, Self.unavailableReason == nil else {
            throw NSError(domain: "NetworkNamespaces", code: 1, userInfo: [NSLocalizedDescriptionKey: Self.unavailableReason ?? "no ip"])
        }
        self.ip = ip
        self.count = count
        prefix = "pm" + String(UInt16.random(in: 0...UInt16.max), radix: 16)
        do {
            try run(["netns", "add", switchName])
            try run(["-n", switchName, "link", "add", "br0", "type", "bridge"])
            try run(["-n", switchName, "link", "set", "br0", "up"])
            for i in 1...count {
                let host = "\(prefix)h\(i)", port = "\(prefix)s\(i)"
                try run(["netns", "add", name(i)])
                try run(["link", "add", host, "type", "veth", "peer", "name", port])
                try run(["link", "set", host, "netns", name(i)])
                try run(["link", "set", port, "netns", switchName])
                try run(["-n", switchName, "link", "set", port, "master", "br0", "up"])
                try run(["-n", name(i), "addr", "add", "\(address(i))/24", "dev", host])
                try run(["-n", name(i), "link", "set", host, "up"])
                try run(["-n", name(i), "link", "set", "lo", "up"])
            }
        } catch {
            remove()
            throw error
        }
    }

    private var switchName: String { prefix + "sw" }

    /// Host `i`'s namespace (1-based).
    public func name(_ i: Int) -> String { "\(prefix)-\(i)" }

    public func address(_ i: Int) -> String { "10.79.0.\(i)" }

    /// How to run `program arguments` inside host `i`: the executable and arguments to start.
    public func command(_ i: Int, _ program: String, _ arguments: [String]) -> (executable: String, arguments: [String]) {
        (ip, ["netns", "exec", name(i), program] + arguments)
    }

    /// Deletes every namespace (their links and processes' sockets go with them).
    public func remove() {
        for n in (1...max(count, 1)).map(name) + [switchName] {
            _ = try? Executable.run(program: ip, ["netns", "del", n], timeout: 10)
        }
    }

    private func run(_ arguments: [String]) throws {
        let r = try Executable.run(program: ip, arguments, timeout: 20)
        guard r.status == 0 else {
            throw NSError(domain: "NetworkNamespaces", code: Int(r.status),
                          userInfo: [NSLocalizedDescriptionKey: "ip \(arguments.joined(separator: " ")): \(r.stderr)"])
        }
    }
}
