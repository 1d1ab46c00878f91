#ifndef P2PMQ_SECP256K1_BASELINE_H
#define P2PMQ_SECP256K1_BASELINE_H
#include <stdint.h>

/// Raw libsecp256k1 in C, the ceiling the EVM report verifier is measured against: `count`
/// public key recoveries (parse the 64-byte compact signature with its recovery id, recover) of
/// `count` distinct signatures over distinct 32-byte hashes by 16 keys, as a verifier meets them
/// (the same signature over and over would run from warm caches and predictors). Signing them
/// is not timed. Returns the wall-clock nanoseconds the recoveries took, 0 on failure.
uint64_t p2pmq_secp256k1_recover_ns(uint64_t count);

#endif
