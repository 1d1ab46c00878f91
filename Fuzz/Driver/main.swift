// Hands the command line to libFuzzer with the decoder P2PMQ_FUZZ_TARGET names (FuzzEntry.swift).
import Foundation

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { fuzzOneInput($0, $1) })
