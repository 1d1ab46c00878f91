import DON

/// How a devnet's DONs sign: all in one scheme, or `mixed`, one family per DON in turn (ocr2-evm,
/// datastreams, keystone, ocr3-evm, ed25519), so the registry, history and audit show several
/// families at once.
enum DevnetSchemes: Sendable, Equatable {
    case one(ReportScheme)
    case mixed

    static let mixedOrder: [ReportScheme] = [.ocr2EVM, .dataStreams, .keystone, .ocr3EVM, .ed25519]

    init?(_ text: String) {
        if text == "mixed" { self = .mixed } else if let s = ReportScheme(rawValue: text) { self = .one(s) } else { return nil }
    }

    /// The scheme of the DON with index `i` (don-a is 0).
    func scheme(ofDON i: Int) -> ReportScheme {
        switch self {
        case .one(let s): s
        case .mixed: Self.mixedOrder[i % Self.mixedOrder.count]
        }
    }

    /// Whether any DON of `dons` is an EVM DON (they need 4 to 31 nodes).
    func anyEVM(dons: Int) -> Bool { (0..<max(1, dons)).contains { scheme(ofDON: $0).isEVM } }

    static let names = ReportScheme.names + ", mixed"
}
