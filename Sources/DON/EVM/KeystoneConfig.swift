import Foundation
import Wire

/// A CRE/Keystone workflow DON's config as the KeystoneForwarder holds it (chainlink-evm
/// `contracts/src/v0.8/keystone/KeystoneForwarder.sol`): `ConfigSet(donId, configVersion, f,
/// signers)`, stored under configId = donId << 32 | configVersion. A report names its config by
/// that id in its metadata and carries exactly f+1 signatures.
///
/// The forwarder has no config digest. This DON's digest (what the registry and `don show` key
/// it by) is the 32-byte word "p2pmq/keystone", zeros, then the configId: what the forwarder
/// itself keys the config by, so a report's metadata finds it.
public struct KeystoneConfig: Sendable, Equatable {
    public var donID: UInt32
    public var configVersion: UInt32
    public var f: UInt8
    public var signers: [EVMAddress]

    public init(donID: UInt32, configVersion: UInt32, f: UInt8, signers: [EVMAddress]) {
        self.donID = donID
        self.configVersion = configVersion
        self.f = f
        self.signers = signers
    }

    public var configID: UInt64 { Self.configID(donID: donID, configVersion: configVersion) }

    public static func configID(donID: UInt32, configVersion: UInt32) -> UInt64 { UInt64(donID) << 32 | UInt64(configVersion) }

    public var digest: [UInt8] { Self.registryKey(configID: configID) }

    static let keyTag = Array("p2pmq/keystone".utf8)

    /// The registry key of a forwarder config id.
    public static func registryKey(configID: UInt64) -> [UInt8] {
        keyTag + [UInt8](repeating: 0, count: 32 - keyTag.count - 8) + withUnsafeBytes(of: configID.bigEndian, Array.init)
    }

    /// The forwarder's `setConfig` rules (`EVMContract.validateSignerSet`).
    public func validate(don: String) throws { try EVMContract.validateSignerSet(signers, f: f, don: don) }

    /// A config of fresh keys (devnets, benchmarks, tests); a random DON id unless given, so
    /// two fresh DONs do not share a config id.
    public static func fresh(for keys: [SignerKey], donID: UInt32? = nil, configVersion: UInt32 = 1) -> KeystoneConfig {
        KeystoneConfig(donID: donID ?? UInt32.random(in: 1...1_000_000), configVersion: configVersion, f: UInt8(clamping: max(1, (keys.count - 1) / 3)), signers: keys.compactMap(\.address))
    }

    /// The seq of a report: the OCR3 capability's seqNr as its keyring signed it (uint32, the
    /// epoch word of the report context). Like every OCR3 seqNr it restarts with a new config,
    /// so a Keystone DON's config changes go in its genesis, not through registry updates.
    public func seq(epoch: UInt32) -> UInt64 { UInt64(epoch) }

    /// The forwarder's `ConfigSet` as JSON: `donId`, `configVersion`, `f`, `signers`.
    public init(configSet o: [String: Any]) throws {
        let fields = JSONFields(o)
        let donID = try fields.number("donId"), version = try fields.number("configVersion"), f = try fields.number("f")
        guard donID <= UInt64(UInt32.max) else { throw DONError(.invalidConfig, "'donId' must fit a uint32, got \(donID)") }
        guard version <= UInt64(UInt32.max) else { throw DONError(.invalidConfig, "'configVersion' must fit a uint32, got \(version)") }
        guard f <= 255 else { throw DONError(.invalidConfig, "'f' must fit a uint8, got \(f)") }
        self.init(donID: UInt32(donID), configVersion: UInt32(version), f: UInt8(f), signers: try fields.addresses("signers"))
    }
}
