import Wire

/// The signature rules of OCR2 contracts for a transmission under `config`: each signature
/// (r, s, v) recovers, as `ecrecover` does, to an address that is one of the config's signers; no
/// signer twice; at least `requiredSignatures` of them (f+1, or (n+f)/2+1 with `unique`). More
/// valid signatures than needed are fine off chain.
enum OCR2Quorum {
    /// nil when a quorum of distinct signers signed `hash`, else the reason it failed.
    static func check(_ t: EVMTransmit, hash: [UInt8], config: DONConfig) -> (ReportReason, String)? {
        let required = config.requiredSignatures
        guard t.signatures.count >= required else {
            return (.insufficientQuorum, "\(t.signatures.count) signatures, quorum is \(required) of \(config.signers.count) (\(config.quorum.rawValue), f = \(config.ocr2?.f ?? 0))")
        }
        var seen = Set<[UInt8]>()
        for (i, s) in t.signatures.enumerated() {
            guard s.v <= 1 else { return (.badSignature, "signature \(i): v is \(s.v), must be 0 or 1") }
            guard let key = Secp256k1.recover(hash: hash, s) else { return (.badSignature, "signature \(i) recovers no public key") }
            let address = EVMAddress(publicKey: key)
            guard config.signers.contains(address.bytes) else {
                return (.badSignature, "signature \(i) recovers \(address), not a signer of \(config.id)")
            }
            guard seen.insert(address.bytes).inserted else { return (.duplicateSigner, "signer \(address) signed twice") }
        }
        return nil
    }
}
