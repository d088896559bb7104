#include "ProtobufCBaseline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "examples/echo.pb-c.h"

int64_t zrpc_baseline_pack_unpack(const char *text, int64_t sequence, size_t label_count, long iterations) {
    Echo__EchoRequest request;
    echo__echo_request__init(&request);
    request.text = (char *)text;
    request.sequence = sequence;

    Echo__EchoRequest__LabelsEntry entries[16];
    Echo__EchoRequest__LabelsEntry *pointers[16];
    char keys[16][16];
    char values[16][16];
    if (label_count > 16) label_count = 16;
    for (size_t i = 0; i < label_count; i++) {
        echo__echo_request__labels_entry__init(&entries[i]);
        snprintf(keys[i], sizeof keys[i], "key%zu", i);
        snprintf(values[i], sizeof values[i], "value%zu", i);
        entries[i].key = keys[i];
        entries[i].value = values[i];
        pointers[i] = &entries[i];
    }
    request.n_labels = label_count;
    request.labels = pointers;

    uint8_t buffer[4096];
    int64_t checksum = 0;
    for (long i = 0; i < iterations; i++) {
        size_t size = echo__echo_request__get_packed_size(&request);
        if (size > sizeof buffer) return -1;
        echo__echo_request__pack(&request, buffer);
        Echo__EchoRequest *back = echo__echo_request__unpack(NULL, size, buffer);
        if (back == NULL) return -1;
        checksum += back->sequence + (int64_t)strlen(back->text) + (int64_t)back->n_labels;
        echo__echo_request__free_unpacked(back, NULL);
    }
    return checksum;
}
