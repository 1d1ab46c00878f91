import Agent
import ArgumentParser
import Foundation
import Store
import Wire

/// Identity files hold the libp2p protobuf private key, base64: the `privateKey` of the agent
/// config. Read padded or not; written unpadded, as the Go p2pmq's keygen writes it.
enum IdentityFile {
    static func load(_ path: String) throws -> PrivateKey {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ValidationError("cannot read \(path)")
        }
        do { return try PrivateKey(base64: text) } catch let error as WireError {
            throw ValidationError("\(path) does not hold a base64 libp2p private key (make one with `p2pmq keygen`): \(error.message)")
        }
    }

    static func encode(_ key: PrivateKey, padded: Bool = false) -> String { key.base64(padded: padded) }

    static func loadPSK(_ path: String) throws -> PreSharedKey {
        guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
        return try PreSharedKey(fileContents: Array(data))
    }
}

struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Make a new Ed25519 node identity (libp2p protobuf private key, base64).",
        discussion: """
            The key is usable as `privateKey` in the agent config, ours or the Go agent's: it is \
            written as the Go p2pmq's keygen writes it (base64 without padding); both agents read \
            either form. Without --out it is printed.
            """)

    @Option(help: "Write the key to this file (mode 0600); refuses to overwrite.") var out: String?
    @Flag(help: "Write standard base64 with = padding (what earlier versions wrote; the Go agent refuses it).") var padded = false
    @Flag(help: "Print the result as JSON.") var json = false

    func run() throws {
        let key = PrivateKey.generate()
        let encoded = IdentityFile.encode(key, padded: padded)
        if let out {
            guard !FileManager.default.fileExists(atPath: out) else { throw ValidationError("\(out) exists; not overwriting a key") }
            guard FileManager.default.createFile(atPath: out, contents: Data((encoded + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
                throw ValidationError("cannot write \(out)")
            }
        }
        if json {
            var line = JSONLine()
            line.add("peer_id", key.peerID.description)
            if let out { line.add("path", out) } else { line.add("private_key", encoded) }
            print(line.text)
        } else {
            if out == nil { print("privateKey: \(encoded)") }
            print("peer id: \(key.peerID)")
            if let out { print("written to \(out)") }
        }
    }
}

struct IDCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "id", abstract: "Print the peer id of an identity file, or of an agent config's privateKey.",
        discussion: "The id is the one go-libp2p computes for the same key, so a Go agent's key keeps its peer id here.")

    @Option(help: "The identity file (from `p2pmq keygen --out`).") var key: String?
    @Option(help: "An agent config (ours or the Go agent's): the peer id of its privateKey.") var config: String?
    @Flag(help: "Also print the CIDv1 form.") var cid = false
    @Flag(help: "Print JSON: {\"peer_id\", \"cid\"}.") var json = false

    func validate() throws {
        guard (key == nil) != (config == nil) else { throw ValidationError("give --key FILE or --config FILE") }
    }

    func run() throws {
        let identity: PrivateKey
        if let key {
            identity = try IdentityFile.load(key)
        } else if let config {
            guard let configured = try AgentConfig.load(path: config).privateKey else {
                throw ValidationError("\(config) has no privateKey: the agent would make a new identity at each start")
            }
            identity = configured
        } else {
            return
        }
        let id = identity.peerID
        if json {
            var line = JSONLine()
            line.add("peer_id", id.description)
            line.add("cid", id.cid)
            print(line.text)
            return
        }
        print(id)
        if cid { print(id.cid) }
    }
}
