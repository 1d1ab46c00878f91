#include "secp256k1_baseline.h"
#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct signed_hash {
    unsigned char hash[32];
    unsigned char compact[64];
    int recid;
};

uint64_t p2pmq_secp256k1_recover_ns(uint64_t count) {
    secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_SIGN | SECP256K1_CONTEXT_VERIFY);
    if (ctx == NULL || count == 0) return 0;
    struct signed_hash *items = malloc(sizeof(struct signed_hash) * count);
    if (items == NULL) { secp256k1_context_destroy(ctx); return 0; }
    for (uint64_t i = 0; i < count; i++) {
        unsigned char secret[32];
        for (int b = 0; b < 32; b++) {
            secret[b] = (unsigned char)(b + 1 + (i % 16));
            items[i].hash[b] = (unsigned char)((0xa5 ^ b) + (i >> (8 * (b % 8))));
        }
        secp256k1_ecdsa_recoverable_signature sig;
        if (!secp256k1_ecdsa_sign_recoverable(ctx, &sig, items[i].hash, secret, NULL, NULL)) { free(items); secp256k1_context_destroy(ctx); return 0; }
        secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx, items[i].compact, &items[i].recid, &sig);
    }
    uint64_t start = now_ns();
    uint64_t ok = 0;
    for (uint64_t i = 0; i < count; i++) {
        secp256k1_ecdsa_recoverable_signature parsed;
        secp256k1_pubkey pubkey;
        if (secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &parsed, items[i].compact, items[i].recid)
            && secp256k1_ecdsa_recover(ctx, &pubkey, &parsed, items[i].hash)) ok++;
    }
    uint64_t elapsed = now_ns() - start;
    free(items);
    secp256k1_context_destroy(ctx);
    return ok == count ? elapsed : 0;
}
