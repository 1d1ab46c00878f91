#ifndef P2PMQ_LMDB_BASELINE_H
#define P2PMQ_LMDB_BASELINE_H
#include <stddef.h>
#endif
