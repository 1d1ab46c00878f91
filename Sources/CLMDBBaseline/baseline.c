#include "lmdb_baseline.h"

#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void put_be32(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)(v >> 24); p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);  p[3] = (unsigned char)v;
}

static void put_be64(unsigned char *p, uint64_t v) {
    for (int i = 7; i >= 0; i--) { p[i] = (unsigned char)v; v >>= 8; }
}

static int open_env(const char *dir, int sync_each_commit, MDB_env **env) {
    int rc = mdb_env_create(env);
    if (rc) return rc;
    mdb_env_set_maxdbs(*env, 8);
    mdb_env_set_mapsize(*env, (size_t)4 << 30);
    unsigned flags = MDB_NOTLS | (sync_each_commit ? 0 : MDB_NOSYNC);
    rc = mdb_env_open(*env, dir, flags, 0644);
    if (rc) mdb_env_close(*env);
    return rc;
}

int p2pmq_baseline_append(const char *dir, uint64_t records, size_t value_size, size_t batch,
                          int sync_each_commit, double *seconds) {
    MDB_env *env;
    int rc = open_env(dir, sync_each_commit, &env);
    if (rc) return rc;
    MDB_txn *txn;
    MDB_dbi log, msgid, donseq, heads;
    if ((rc = mdb_txn_begin(env, NULL, 0, &txn))) goto out;
    if ((rc = mdb_dbi_open(txn, "log", MDB_CREATE, &log)) ||
        (rc = mdb_dbi_open(txn, "msgid", MDB_CREATE, &msgid)) ||
        (rc = mdb_dbi_open(txn, "donseq", MDB_CREATE | MDB_DUPSORT, &donseq)) ||
        (rc = mdb_dbi_open(txn, "heads", MDB_CREATE, &heads))) { mdb_txn_abort(txn); goto out; }
    if ((rc = mdb_txn_commit(txn))) goto out;

    unsigned char *value = malloc(value_size);
    unsigned char log_key[12], msg_key[44], seq_key[19], head_key[9], seq_val[40], off_val[8], head_val[16];
    static const char hex[] = "0123456789abcdef";
    double start = now_seconds();
    for (uint64_t done = 0; done < records && rc == 0;) {
        if ((rc = mdb_txn_begin(env, NULL, 0, &txn))) break;
        for (size_t i = 0; i < batch && done < records; i++, done++) {
            uint64_t offset = done, seq = done / 2 + 1;
            const char *don = (done & 1) ? "don-b" : "don-a";
            for (size_t j = 0; j < value_size; j++) value[j] = (unsigned char)(offset + j);
            put_be32(log_key, 1); put_be64(log_key + 4, offset);
            put_be32(msg_key, 1);
            uint64_t h = offset * 0x9E3779B97F4A7C15ull;
            for (int j = 0; j < 40; j++) { msg_key[4 + j] = (unsigned char)hex[h & 15]; h = (h >> 4) | (h << 60); }
            put_be32(seq_key, 1); seq_key[4] = 0; seq_key[5] = 5; memcpy(seq_key + 6, don, 5); put_be64(seq_key + 11, seq);
            put_be32(head_key, 1); memcpy(head_key + 4, don, 5);
            memcpy(seq_val, msg_key + 4, 32); put_be64(seq_val + 32, offset);
            put_be64(off_val, offset);

            MDB_val k = {sizeof msg_key, msg_key}, v;
            rc = mdb_get(txn, msgid, &k, &v);
            if (rc != MDB_NOTFOUND) { rc = rc ? rc : MDB_KEYEXIST; break; }
            rc = 0;
            k = (MDB_val){sizeof log_key, log_key}; v = (MDB_val){value_size, value};
            if ((rc = mdb_put(txn, log, &k, &v, 0))) break;
            k = (MDB_val){sizeof msg_key, msg_key}; v = (MDB_val){sizeof off_val, off_val};
            if ((rc = mdb_put(txn, msgid, &k, &v, 0))) break;
            k = (MDB_val){sizeof seq_key, seq_key}; v = (MDB_val){sizeof seq_val, seq_val};
            if ((rc = mdb_put(txn, donseq, &k, &v, 0))) break;
            k = (MDB_val){sizeof head_key, head_key};
            rc = mdb_get(txn, heads, &k, &v);
            if (rc && rc != MDB_NOTFOUND) break;
            rc = 0;
            put_be64(head_val, seq); put_be64(head_val + 8, offset);
            v = (MDB_val){sizeof head_val, head_val};
            if ((rc = mdb_put(txn, heads, &k, &v, 0))) break;
        }
        if (rc) { mdb_txn_abort(txn); break; }
        rc = mdb_txn_commit(txn);
    }
    if (rc == 0 && !sync_each_commit) rc = mdb_env_sync(env, 1);
    *seconds = now_seconds() - start;
    free(value);
out:
    mdb_env_close(env);
    return rc;
}

int p2pmq_baseline_scan(const char *dir, int passes, uint64_t *records, uint64_t *checksum, double *seconds) {
    MDB_env *env;
    int rc = open_env(dir, 0, &env);
    if (rc) return rc;
    MDB_txn *txn;
    MDB_dbi log;
    MDB_cursor *cursor;
    static unsigned char copy[65536];
    *seconds = 1e300;
    for (int pass = 0; pass < passes && rc == 0; pass++) {
        if ((rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn))) break;
        if ((rc = mdb_dbi_open(txn, "log", 0, &log)) || (rc = mdb_cursor_open(txn, log, &cursor))) {
            mdb_txn_abort(txn);
            break;
        }
        double start = now_seconds();
        MDB_val k, v;
        uint64_t n = 0, sum = 0;
        while ((rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) == 0) {
            // Copy the value out, as a replay that hands records on must.
            size_t len = v.mv_size < sizeof copy ? v.mv_size : sizeof copy;
            memcpy(copy, v.mv_data, len);
            sum += copy[len / 2] + len;
            n++;
        }
        double elapsed = now_seconds() - start;
        if (elapsed < *seconds) *seconds = elapsed;
        *records = n;
        *checksum = sum;
        rc = rc == MDB_NOTFOUND ? 0 : rc;
        mdb_cursor_close(cursor);
        mdb_txn_abort(txn);
    }
    mdb_env_close(env);
    return rc;
}
