#ifndef ZRPC_PROTOBUFC_BASELINE_H
#define ZRPC_PROTOBUFC_BASELINE_H

#include <stddef.h>
#include <stdint.h>

/// The baseline for the protobuf benchmark: what a C program pays to pack and unpack an
/// echo.EchoRequest with protobuf-c directly. Builds the C struct once, then `iterations` times
/// packs it into a reused buffer, unpacks it with the default allocator and frees it.
/// Returns a checksum (so the work cannot be optimised away), or -1 on a failed unpack.
int64_t zrpc_baseline_pack_unpack(const char *text, int64_t sequence, size_t label_count, long iterations);

#endif
