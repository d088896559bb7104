#ifndef ZRPC_CZEROMQ_SHIM_H
#define ZRPC_CZEROMQ_SHIM_H
#include <zmq.h>
// The I/O loops' wake-up signal (Swift's Glibc module does not import it).
#include <sys/eventfd.h>
// malloc_trim, to hand back memory freed after a burst (FreedMemory; Glibc does not import it).
#if defined(__linux__)
#include <malloc.h>
#endif
#endif
