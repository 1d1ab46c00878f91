#ifndef P2PMQ_CSECP256K1_SHIM_H
#define P2PMQ_CSECP256K1_SHIM_H
// Debian's libsecp256k1-dev, built with the recovery module (ECDSA public key recovery, what the
// EVM's ecrecover does).
#include <secp256k1.h>
#include <secp256k1_recovery.h>
#endif
