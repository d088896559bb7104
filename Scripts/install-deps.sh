#!/usr/bin/env bash
# Installs the Debian packages ZRPC needs to build and test, only when one is missing.
# Idempotent; works as root or through sudo. Usage: Scripts/install-deps.sh
set -euo pipefail

packages=(libzmq3-dev libprotobuf-c-dev protobuf-c-compiler protobuf-compiler libsqlite3-dev pkg-config valgrind)

missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
else
    echo "install-deps: missing packages (${missing[*]}) and neither root nor sudo is available" >&2
    exit 1
fi

echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
