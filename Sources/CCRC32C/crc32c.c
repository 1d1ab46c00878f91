// CRC-32C for record checksums. Every stored record is checksummed on write and on each read,
// so this sits on the append and replay hot paths: the SSE4.2 instruction does 8 bytes per step
// where a table does one.
#include "crc32c.h"

#include <string.h>

static uint32_t table[256];
static int use_hardware = -1;

static void init(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
        table[i] = c;
    }
#if defined(__x86_64__)
    __builtin_cpu_init();
    use_hardware = __builtin_cpu_supports("sse4.2") ? 1 : 0;
#else
    use_hardware = 0;
#endif
}

static uint32_t software(uint32_t crc, const unsigned char *p, size_t n) {
    while (n--) crc = table[(crc ^ *p++) & 0xFF] ^ (crc >> 8);
    return crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2")))
static uint32_t hardware(uint32_t crc, const unsigned char *p, size_t n) {
    uint64_t c = crc;
    while (n >= 8) {
        uint64_t word;
        memcpy(&word, p, 8);
        c = __builtin_ia32_crc32di(c, word);
        p += 8;
        n -= 8;
    }
    uint32_t c32 = (uint32_t)c;
    while (n--) c32 = __builtin_ia32_crc32qi(c32, *p++);
    return c32;
}
#endif

uint32_t p2pmq_crc32c(uint32_t crc, const void *data, size_t length) {
    // Benign race: concurrent first callers compute the same table and flag.
    if (use_hardware < 0) init();
    crc = ~crc;
#if defined(__x86_64__)
    if (use_hardware) return ~hardware(crc, data, length);
#endif
    return ~software(crc, data, length);
}
