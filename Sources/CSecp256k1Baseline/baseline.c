#include "secp256k1_baseline.h"
#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <string.h>
#include <time.h>

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t p2pmq_secp256k1_recover_ns(uint64_t count) {
    secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_SIGN | SECP256K1_CONTEXT_VERIFY);
    if (ctx == NULL) return 0;
    unsigned char secret[32], hash[32], compact[64];
    for (int i = 0; i < 32; i++) { secret[i] = (unsigned char)(i + 1); hash[i] = (unsigned char)(0xa5 ^ i); }
    secp256k1_ecdsa_recoverable_signature sig;
    int recid = 0;
    if (!secp256k1_ecdsa_sign_recoverable(ctx, &sig, hash, secret, NULL, NULL)) { secp256k1_context_destroy(ctx); return 0; }
    secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx, compact, &recid, &sig);
    uint64_t start = now_ns();
    uint64_t ok = 0;
    for (uint64_t i = 0; i < count; i++) {
        secp256k1_ecdsa_recoverable_signature parsed;
        secp256k1_pubkey pubkey;
        if (secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &parsed, compact, recid)
            && secp256k1_ecdsa_recover(ctx, &pubkey, &parsed, hash)) ok++;
    }
    uint64_t elapsed = now_ns() - start;
    secp256k1_context_destroy(ctx);
    return ok == count ? elapsed : 0;
}
