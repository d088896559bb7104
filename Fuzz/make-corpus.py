#!/usr/bin/env python3
"""Writes the seed corpus in Fuzz/Corpus/ (committed): valid and nearly valid inputs for each fuzz
target, headers and messages encoded by protoc-c from text format. Run from the repository root
after a wire format changes: python3 Fuzz/make-corpus.py

Inputs that split into frames (FuzzFrames.swift): a byte for the frame count (count - 1), then each
frame but the last as a length (one byte below 0x80, else two: 0x80 | high, low) and its bytes; the
last frame is the rest."""
import os
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def encode(proto, message, text):
    return subprocess.run(
        ["protoc-c", "-I", os.path.join(ROOT, "Protos"), "--encode=" + message, proto],
        input=text.encode(), capture_output=True, check=True, cwd=os.path.join(ROOT, "Protos"),
    ).stdout


def frames(*parts):
    out = bytearray([len(parts) - 1])
    for part in parts[:-1]:
        if len(part) < 0x80:
            out.append(len(part))
        else:
            out += bytes([0x80 | (len(part) >> 8), len(part) & 0xFF])
        out += part
    return bytes(out + parts[-1])


def write(target, name, data):
    folder = os.path.join(ROOT, "Fuzz", "Corpus", target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def wire(text):
    return encode("zrpc/wire.proto", "zrpc.wire.Header", text)


def pubsub(text):
    return encode("zrpc/pubsub.proto", "zrpc.pubsub.EventHeader", text)


def queue(message, text):
    return encode("zrpc/queue.proto", "zrpc.queue." + message, text)


def conformance(message, text):
    return encode("test/conformance.proto", "zrpc.test." + message, text)


# rpc-message: what a server reads (routing id first) and what a client reads.
rid, sig = b"\x00\x6b\x8b\x45\x67", b"ZRPC01"
request = wire('request { call_id: 1 service: "echo.Echo" method: "Echo" timeout_micros: 1000000 '
               'metadata { key: "traceparent" value: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" } '
               'idempotency_key: "k-1" attempt: 1 }')
stream = wire('request { call_id: 2 service: "echo.Echo" method: "Chat" timeout_micros: 5000000 stream_window: 16 }')
write("rpc-message", "request", frames(rid, b"", sig, request, b"\x0a\x05hello"))
write("rpc-message", "batch", frames(
    rid, b"", sig, request, b"\x0a\x01a", stream, b"", wire("stream_message { call_id: 2 }"), b"\x0a\x01b",
    wire("credit { call_id: 2 messages: 8 }"), wire("stream_end { call_id: 2 }"), wire("cancel { call_id: 1 }"),
    wire("ping { nonce: 7 }"), wire("pong { nonce: 7 }")))
write("rpc-message", "response", frames(b"", sig, wire(
    'response { call_id: 1 status_code: 8 status_message: "over the limit" '
    'metadata { key: "retry" value: "later" } retry_after_micros: 250000 }'), b""))
write("rpc-message", "response-ok", frames(b"", sig, wire("response { call_id: 3 }"), b"\x0a\x02ok"))
write("rpc-message", "other-version", frames(rid, b"", b"ZRPC02", request, b""))
write("rpc-message", "no-payload", frames(rid, b"", sig, request))

# envelopes: the first byte picks the reader (EnvelopeTarget.swift).
publisher = b"0123456789abcdef"
event = pubsub('version: 1 kind: KIND_EVENT publisher_id: "0123456789abcdef" sequence: 1 '
               'timestamp_unix_micros: 1700000000000000 metadata { key: "traceparent" value: "00-1-2-01" }')
snapshot = pubsub('version: 1 kind: KIND_SNAPSHOT publisher_id: "0123456789abcdef" sequence: 4 topic: "prices.eur"')
write("envelopes", "pipeline", b"\x00" + frames(b"ZRPP01", b"\x0a\x05hello"))
write("envelopes", "pipeline-other-version", b"\x00" + frames(b"ZRPP02", b""))
write("envelopes", "pubsub-event", b"\x01" + frames(b"prices.eur", event, b"\x08\x01"))
write("envelopes", "pubsub-snapshot", b"\x01" + frames(b"~zrpc.snapshot.abcd.prices", snapshot, b""))
write("envelopes", "pubsub-welcome", b"\x01" + frames(b"~zrpc.welcome.abcd", pubsub(
    'version: 1 kind: KIND_FORWARDER_WELCOME publisher_id: "0123456789abcdef"'), b""))
write("envelopes", "subscribe-welcome", b"\x02" + frames(b"\x01~zrpc.welcome.abcd"))
write("envelopes", "subscribe-snapshot", b"\x02" + frames(b"\x01~zrpc.snapshot.abcd.prices"))
write("envelopes", "unsubscribe", b"\x02" + frames(b"\x00prices"))
write("envelopes", "enqueue", b"\x03" + queue("EnqueueRequest",
    'tasks { queue: "media.Thumbnails/Resize" payload: "\\x0a\\x03cat" idempotency_key: "a" '
    'deadline_unix_millis: 1700000005000 not_before_unix_millis: 1700000001000 '
    'policy { max_attempts: 3 initial_backoff_millis: 10 max_backoff_millis: 1000 backoff_multiplier: 2.5 '
    'lease_millis: 500 deadline_millis: 60000 dead_letters: DEAD_LETTERS_DISCARD } '
    'declared_policy { max_attempts: 8 dead_letters: DEAD_LETTERS_KEEP } } '
    'tasks { queue: "media.Thumbnails/Purge" payload: "" deadline_unix_millis: 9223372036854775807 }'))
write("envelopes", "worker-attach", b"\x04" + queue("WorkerMessage",
    'attach { queues: "media.Thumbnails/Resize" worker: "w1" credit: 4 heartbeat_millis: 1000 }'))
write("envelopes", "worker-nack", b"\x04" + queue("WorkerMessage",
    'nack { task_id: "t" delivery: 2 permanent: false error: "busy" retry_after_millis: 100 }'))
write("envelopes", "worker-ack", b"\x04" + queue("WorkerMessage", 'ack { task_id: "t" delivery: 1 result: "ok" }'))
write("envelopes", "broker-delivery", b"\x05" + queue("BrokerMessage",
    'delivery { task_id: "t" delivery: 1 queue: "media.Thumbnails/Resize" payload: "x" idempotency_key: "k" '
    'attempt: 2 deadline_unix_millis: 1700000005000 lease_expires_unix_millis: 1700000002000 '
    'enqueued_unix_millis: 1700000000000 }'))

# messages: the first byte picks the type (MessageDecodingTarget.swift).
nested = 'a: -7 b: "n" inner { kind: KIND_DEEP notes: "x" notes: "y" }'
all_types = (
    'f_double: 1.5 f_float: -2.25 f_int64: -9000000000 f_uint64: 18446744073709551615 f_int32: -1 '
    'f_fixed64: 7 f_fixed32: 8 f_bool: true f_string: "h\\303\\251llo" f_bytes: "\\000\\377" f_uint32: 9 '
    'f_sfixed32: -10 f_sfixed64: -11 f_sint32: -12 f_sint64: -13 f_enum: COLOR_NEGATIVE '
    'f_nested { ' + nested + ' } f_imported { key: "tag" value: "v" priority: PRIORITY_HIGH } f_imported_enum: PRIORITY_LOW '
    'r_double: [1, -0.0] r_float: [3] r_int64: [-1, 2] r_uint64: [3] r_int32: [-4] r_fixed64: [5] '
    'r_fixed32: [6] r_bool: [true, false] r_string: ["a", ""] r_bytes: ["\\001"] r_uint32: [7] '
    'r_sfixed32: [-8] r_sfixed64: [-9] r_sint32: [-10] r_sint64: [-11] r_enum: [COLOR_RED, COLOR_DARK_GREEN] '
    'r_nested { a: 1 } r_nested { b: "two" } u_int32: [1, -2] u_sint64: [3] u_enum: [COLOR_RED] '
    'u_bool: [true] u_double: [0.5] '
    'm_string_int32 { key: "one" value: 1 } m_string_int32 { key: "two" value: 2 } '
    'm_int32_string { key: -1 value: "minus" } m_int64_enum { key: 5 value: COLOR_DARK_GREEN } '
    'm_uint32_bytes { key: 9 value: "\\000" } m_bool_nested { key: true value { a: 3 } } '
    'm_sint64_double { key: -4 value: 2.5 } m_fixed32_tag { key: 3 value { key: "t" } } '
    'c_string: "choice" default: 1 class: "c" f_max_number: 42')
write("messages", "all-types", b"\x00" + conformance("AllTypes", all_types))
write("messages", "all-types-oneof-nested", b"\x00" + conformance("AllTypes", "c_nested { " + nested + " }"))
tree = ('label: "root" left { label: "l" weight: 3 } right { label: "r" alternate { label: "alt" } } '
        'children { label: "c1" children { label: "c2" } } named { key: "n" value { label: "named" } }')
write("messages", "tree", b"\x01" + conformance("TreeNode", tree))
write("messages", "forest", b"\x02" + conformance("Forest", 'name: "f" tree { ' + tree + " }"))
write("messages", "choice-nested", b"\x03" + conformance("Choice", "nested { " + nested + " }"))
write("messages", "choice-number", b"\x03" + conformance("Choice", "number: 5"))
write("messages", "ping-pong", b"\x04" + conformance("Ping", 'count: 1 pong { note: "p" ping { count: 2 } }'))
write("messages", "v1-unknown-fields", b"\x05" + conformance("AllTypes", all_types))
write("messages", "batch", b"\x06" + conformance("AllTypesBatch", "items { " + all_types + " } items { f_int32: 1 }"))
