import Foundation

// libFuzzer entry point for every decoder that reads bytes from the network or from disk. One
// binary, built by scripts/fuzz.sh with -sanitize=fuzzer; P2PMQ_FUZZ_TARGET picks the decoder,
// so each keeps its own corpus (Fuzz/corpus/<target>) and crash files
// (Fuzz/regressions/<target>/). A crash, a sanitizer report or a broken invariant (a
// precondition below) fails the run.

/// The decoders, by the name scripts/fuzz.sh and the corpus folders use.
let fuzzTargets: [String: @Sendable ([UInt8]) -> Void] = [
    "frames": fuzzFrames,
    "noise": fuzzNoise,
    "gossipsub": fuzzGossipsubRPC,
    "sync": fuzzSync,
    "records": fuzzStoreRecords,
    "import": fuzzImportLines,
    "config": fuzzConfig,
    "reports": fuzzReports,
    "kad": fuzzKad,
    "mdns": fuzzMDNS,
]

let selectedTarget: @Sendable ([UInt8]) -> Void = {
    let name = ProcessInfo.processInfo.environment["P2PMQ_FUZZ_TARGET"] ?? ""
    guard let target = fuzzTargets[name] else {
        let names = fuzzTargets.keys.sorted().joined(separator: ", ")
        FileHandle.standardError.write(Data("set P2PMQ_FUZZ_TARGET to one of: \(names)\n".utf8))
        exit(2)
    }
    return target
}()

/// libFuzzer's entry for programs that have their own main (SwiftPM names the executable's
/// entry point itself, so libFuzzer's main cannot be used).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// libFuzzer's runtime links against this symbol even when the driver gets a callback.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    selectedTarget(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}
