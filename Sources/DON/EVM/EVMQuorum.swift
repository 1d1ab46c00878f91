import Wire

/// The signature rules of the EVM contracts, one recover-and-match core for every family: each
/// signature (r, s, v) recovers, as `ecrecover` does, to an address that is one of the config's
/// signers; no signer twice; at least `requiredSignatures` of them (f+1, or (n+f)/2+1 with
/// `unique`). The Data Streams Verifier and the KeystoneForwarder take exactly f+1 signatures;
/// OCR2/OCR3 contracts accept more valid ones off chain.
enum EVMQuorum {
    /// nil when a quorum of distinct signers signed `hash`, else the reason it failed.
    static func check(_ signatures: [Secp256k1.Signature], hash: [UInt8], config: DONConfig) -> (ReportReason, String)? {
        let required = config.requiredSignatures
        guard signatures.count >= required else {
            return (.insufficientQuorum, "\(signatures.count) signatures, quorum is \(required) of \(config.signers.count) (\(config.quorum.rawValue), f = \(config.evm?.f ?? 0))")
        }
        if config.evm?.exactlyFPlusOne == true, signatures.count != required {
            return (.malformed, "\(signatures.count) signatures; a \(config.scheme.rawValue) report carries exactly f+1 = \(required)")
        }
        var seen = Set<[UInt8]>()
        for (i, s) in signatures.enumerated() {
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
