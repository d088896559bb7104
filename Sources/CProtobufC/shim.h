#ifndef ZRPC_CPROTOBUFC_SHIM_H
#define ZRPC_CPROTOBUFC_SHIM_H
#include <protobuf-c/protobuf-c.h>
#endif
