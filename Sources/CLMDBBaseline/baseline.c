#include "lmdb_baseline.h"
