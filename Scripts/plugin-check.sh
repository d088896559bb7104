#!/usr/bin/env bash
# Builds Examples/PluginDemo from a fresh scratch folder, as a service author's package would build:
# ZRPCGenPlugin runs zrpc-gen on its greeter.proto during the build (C into GreeterProtoC, Swift into
# PluginDemo). Then runs the example and checks what it prints, that a missing protoc-c stops the
# build with a clear message, and that nothing generated landed in the example's sources. Called by
# Scripts/test.sh; docs/CODEGEN.md, "The build plugin".
set -euo pipefail
cd "$(dirname "$0")/.."
"$(dirname "$0")/install-deps.sh"

example=Examples/PluginDemo
scratch="$(mktemp -d "${TMPDIR:-/tmp}/zrpc-plugin-check.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
started=$SECONDS

swift build --package-path "$example" --scratch-path "$scratch"
output="$("$scratch/debug/PluginDemo")"
expected="round trip: true, 18 bytes
reply: hello, plugin, 2 tags"
if [ "$output" != "$expected" ]; then
    printf 'plugin-check: PluginDemo printed\n%s\nexpected\n%s\n' "$output" "$expected" >&2
    exit 1
fi

# Without protoc-c the build stops at planning and says how to get it.
if missing="$(ZRPC_PROTOC_C=/nonexistent/protoc-c swift build --package-path "$example" --scratch-path "$scratch" 2>&1)"; then
    echo "plugin-check: the build passed with ZRPC_PROTOC_C pointing nowhere" >&2
    exit 1
fi
if ! grep -q "ZRPCGenPlugin: ZRPC_PROTOC_C=/nonexistent/protoc-c is not an executable file" <<<"$missing"; then
    printf 'plugin-check: no clear error without protoc-c; the build said\n%s\n' "$missing" >&2
    exit 1
fi

generated="$(find "$example" -name .build -prune -o \( -name '*.pb-c.[ch]' -o -name '*.zrpc.swift' \
    -o -name module.modulemap \) -print)"
if [ -n "$generated" ]; then
    printf 'plugin-check: generated files in the source tree:\n%s\n' "$generated" >&2
    exit 1
fi
echo "plugin-check: PluginDemo built with ZRPCGenPlugin from a clean scratch folder and ran as expected" \
    "($((SECONDS - started)) s)"
