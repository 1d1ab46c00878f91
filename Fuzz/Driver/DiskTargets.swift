import Wire
@testable import Agent
import Core
import DON
import Foundation
@testable import Store

/// Store records as LMDB hands them back (a log record, its view, a penalty record): a damaged
/// value must be refused as corrupt, never crash or read out of bounds. The first byte picks
/// raw bytes (header and checksum checks) or a body sealed with a valid header and checksum (so
/// the field decoding is reached).
func fuzzStoreRecords(_ bytes: [UInt8]) {
    guard let selector = bytes.first else { return }
    var value = Array(bytes.dropFirst())
    if selector & 1 == 1 {
        let crc = value.withUnsafeBytes { CRC32C.checksum($0) }
        value = [RecordCodec.version] + withUnsafeBytes(of: crc.bigEndian) { Array($0) } + value
    }
    value.withUnsafeBytes { raw in
        let decoded = try? RecordCodec.decodeRecord(raw, topic: "t", offset: 1)
        let view = try? RecordView(raw, topic: "t", offset: 1)
        precondition((decoded == nil) == (view == nil), "the record and its view disagree on whether it decodes")
        if let decoded {
            // What decodes encodes to a value that decodes to the same record.
            guard let again = try? RecordCodec.encode(decoded) else { preconditionFailure("a decoded record does not encode") }
            let back = again.withUnsafeBytes { try? RecordCodec.decodeRecord($0, topic: "t", offset: 1) }
            precondition(back == decoded, "a decoded record does not survive encoding")
        }
        _ = try? RecordCodec.decodePenalty(raw, number: 1)
    }
}

/// `p2pmq import` lines (JSON lines of `export`), one record each.
func fuzzImportLines(_ bytes: [UInt8]) {
    let text = String(decoding: bytes, as: UTF8.self)
    for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: true).prefix(32).enumerated() {
        if let record = try? RecordJSON.decode(line, line: i + 1) {
            // An imported record exports to a line that imports to the same record.
            let again = try? RecordJSON.decode(Substring(RecordJSON.encode(record)), line: i + 1)
            precondition(again == record, "an imported record does not survive export and import")
        }
    }
}

/// Configuration files: the agent's YAML and genesis / DON config JSON.
func fuzzConfig(_ bytes: [UInt8]) {
    guard let selector = bytes.first else { return }
    let data = Data(bytes.dropFirst())
    switch selector % 3 {
    case 0: _ = try? AgentConfig.parse(yaml: String(decoding: data, as: UTF8.self), baseDirectory: "/nonexistent")
    case 1: _ = try? Genesis(json: data)
    default: _ = try? DONConfig(json: data)
    }
}

/// Report payloads from gossip and range sync: signed reports and config updates, their DON,
/// seq and digest, and an update judged against a registry.
nonisolated(unsafe) private let registry: DONRegistry = {
    let config = try! DONConfig(id: "don-a", signers: (0..<4).map { SignerKey.generate(index: $0).publicKey })
    return DONRegistry([config])
}()

/// An ocr2-evm DON, for transmit calldata.
nonisolated(unsafe) private let ocr2Registry: DONRegistry = {
    let keys = (0..<4).map { SignerKey.generate(index: $0, scheme: .ocr2EVM) }
    let ocr2 = OCR2Config(chainID: 1, contractAddress: try! EVMAddress(bytes: [UInt8](repeating: 0x11, count: 20)), configCount: 1,
                          signers: keys.compactMap(\.address), transmitters: keys.compactMap(\.address), f: 1)
    return DONRegistry([try! DONConfig(id: "don-o", ocr2: ocr2)])
}()

/// A Data Streams and a Keystone DON beside it, so every EVM family's path is reached.
nonisolated(unsafe) private let familiesRegistry: DONRegistry = {
    let signers = (0..<4).map { SignerKey.generate(index: $0, scheme: .dataStreams).address! }
    let digest: [UInt8] = [0x00, 0x09] + [UInt8](repeating: 0x5a, count: 30)
    return DONRegistry([
        try! DONConfig(id: "don-d", evm: .dataStreams(DataStreamsConfig(digest: digest, signers: signers, f: 1, donID: 3))),
        try! DONConfig(id: "don-k", evm: .keystone(KeystoneConfig(donID: 7, configVersion: 1, f: 1, signers: signers))),
    ])
}()

func fuzzReports(_ bytes: [UInt8]) {
    _ = ReportFields.extract(bytes, topic: "don-a/reports")
    _ = ReportFields.extract(bytes, topic: "don-o/reports", registry: ocr2Registry)
    _ = ReportVerifier(registry: ocr2Registry).verifyHistorical(data: bytes, topic: "don-o/reports")
    _ = try? ReportVerifier(registry: familiesRegistry).verify(data: bytes, topic: "don-k/reports", state: nil, now: 1_800_000_000)
    _ = ReportBodyFields.describe(bytes)
    // Strict decoding accepts only the canonical encoding: what decodes encodes back to itself.
    for layout in [EVMLayout.ocr2, .ocr3, .dataStreams] {
        if let t = try? EVMTransmit.decode(bytes, layout: layout) {
            let again = t.encode(withSelector: bytes.count % 32 == 4)
            precondition(again == bytes, "EVM calldata decoded but does not re-encode to the same bytes")
        }
    }
    if let k = try? KeystoneReport.decode(bytes) {
        precondition(k.encode(withSelector: bytes.count % 32 == 4) == bytes, "forwarder calldata decoded but does not re-encode to the same bytes")
    }
    _ = ReportFields.extract(bytes, topic: "p2pmq/registry", registryTopic: "p2pmq/registry")
    if let update = ConfigUpdateCheck.decode(bytes) { _ = ConfigUpdateCheck.judge(update, against: registry) }
}
