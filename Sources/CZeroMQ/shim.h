#ifndef ZRPC_CZEROMQ_SHIM_H
#define ZRPC_CZEROMQ_SHIM_H
#include <zmq.h>
#endif
