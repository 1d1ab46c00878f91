#ifndef P2PMQ_CSODIUM_SHIM_H
#define P2PMQ_CSODIUM_SHIM_H
#include <sodium.h>
#endif
