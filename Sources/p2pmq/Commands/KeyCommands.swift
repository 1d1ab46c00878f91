import ArgumentParser
import Foundation
import Store
import Wire

/// Identity files hold the libp2p protobuf private key, base64: the `privateKey` of the agent
/// config, as the Go p2pmq writes it.
enum IdentityFile {
    static func load(_ path: String) throws -> PrivateKey {
        guard let data = FileManager.default.contents(atPath: path),
              let text = String(data: data, encoding: .utf8),
              let raw = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines))
        else { throw ValidationError("\(path) does not hold a base64 libp2p private key (make one with `p2pmq keygen`)") }
        return try PrivateKey(protobuf: Array(raw))
    }

    static func encode(_ key: PrivateKey) -> String { Data(key.protobuf).base64EncodedString() }

    static func loadPSK(_ path: String) throws -> PreSharedKey {
        guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
        return try PreSharedKey(fileContents: Array(data))
    }
}

struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Make a new Ed25519 node identity (libp2p protobuf private key, base64).",
        discussion: "The key is usable as `privateKey` in the agent config. Without --out it is printed.")

    @Option(help: "Write the key to this file (mode 0600); refuses to overwrite.") var out: String?
    @Flag(help: "Print the result as JSON.") var json = false

    func run() throws {
        let key = PrivateKey.generate()
        let encoded = IdentityFile.encode(key)
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
    static let configuration = CommandConfiguration(commandName: "id", abstract: "Print the peer id of an identity file.")

    @Option(help: "The identity file (from `p2pmq keygen --out`).") var key: String
    @Flag(help: "Also print the CIDv1 form.") var cid = false

    func run() throws {
        let id = try IdentityFile.load(key).peerID
        print(id)
        if cid { print(id.cid) }
    }
}
