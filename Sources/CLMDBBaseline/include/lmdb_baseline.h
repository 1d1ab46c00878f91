#ifndef P2PMQ_LMDB_BASELINE_H
#define P2PMQ_LMDB_BASELINE_H

#include <stddef.h>
#include <stdint.h>

/// Raw LMDB doing the same work as one p2pmq log append, for the store benchmark:
/// per record, look up the message id, put the log record, the message id and the (DON, seq)
/// entry, and read-modify-write the DON's head; one transaction per `batch` records.
/// `value_size` is the size of the encoded record value the Swift store writes.
/// Returns 0 or an LMDB error code; `seconds` receives the wall time of the appends.
int p2pmq_baseline_append(const char *dir, uint64_t records, size_t value_size, size_t batch,
                          int sync_each_commit, double *seconds);

/// Walks the log database written by `p2pmq_baseline_append` with a cursor, copying every value
/// out, as a sequential replay must; `passes` times in one open environment (the first pass maps
/// the pages), reporting the fastest pass. Returns 0 or an LMDB error code.
int p2pmq_baseline_scan(const char *dir, int passes, uint64_t *records, uint64_t *checksum, double *seconds);

#endif
