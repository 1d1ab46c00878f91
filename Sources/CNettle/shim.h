#ifndef P2PMQ_CNETTLE_SHIM_H
#define P2PMQ_CNETTLE_SHIM_H
// Nettle's Keccak-f[1600] permutation (sha3.h): Keccak-256 as Ethereum uses it is the same
// sponge as SHA3-256 with Keccak's original padding, built on it in DON/EVM/Keccak256.swift.
#include <nettle/sha3.h>
#endif
