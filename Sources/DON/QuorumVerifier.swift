import Foundation

/// Checks a signed report's signatures against its DON's configuration.
enum QuorumVerifier {
    /// Returns nil when a quorum of distinct signers signed validly, else the reason it failed.
    static func check(_ signed: P2pmq_Don_SignedReport, digest: [UInt8], config: DONConfig,
                      scheme: any SignatureScheme = Ed25519Scheme()) -> (ReportReason, String)? {
        var seen = Set<UInt32>()
        for s in signed.signatures {
            guard Int(s.signer) < config.signers.count else {
                return (.signerOutOfRange, "signer index \(s.signer) is out of range; DON \(config.id) has \(config.signers.count) signers")
            }
            guard seen.insert(s.signer).inserted else {
                return (.duplicateSigner, "signer \(s.signer) signed twice")
            }
        }
        let required = config.requiredSignatures
        guard seen.count >= required else {
            return (.insufficientQuorum, "\(seen.count) signatures, quorum is \(required) of \(config.signers.count) (\(config.quorum.rawValue))")
        }
        for s in signed.signatures {
            // Keys were checked when the config was loaded (32-byte keys, or 20-byte addresses).
            guard scheme.isValid(signature: s.signature, digest: digest, publicKey: config.signers[Int(s.signer)]) else {
                return (.badSignature, "signature of signer \(s.signer) does not verify")
            }
        }
        return nil
    }
}
