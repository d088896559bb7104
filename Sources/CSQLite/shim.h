#ifndef ZRPC_CSQLITE_SHIM_H
#define ZRPC_CSQLITE_SHIM_H
#include <sqlite3.h>
#endif
