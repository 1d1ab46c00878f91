#ifndef P2PMQ_CLMDB_SHIM_H
#define P2PMQ_CLMDB_SHIM_H
#include <lmdb.h>
#endif
