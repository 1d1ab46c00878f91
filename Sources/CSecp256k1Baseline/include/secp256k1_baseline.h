#ifndef P2PMQ_SECP256K1_BASELINE_H
#define P2PMQ_SECP256K1_BASELINE_H
#include <stdint.h>

/// Raw libsecp256k1 in C, the ceiling the OCR2 verifier is measured against: `count` public key
/// recoveries (parse the 64-byte compact signature with its recovery id, recover) of one
/// signature over a 32-byte hash. Returns the wall-clock nanoseconds they took, 0 on failure.
uint64_t p2pmq_secp256k1_recover_ns(uint64_t count);

#endif
