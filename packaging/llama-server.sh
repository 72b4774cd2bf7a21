#!/usr/bin/env bash
# make llama-server: llama.cpp's own llama-server, built from the llama.cpp sources that the
# pinned llama-cpp-python sdist vendors (packaging/requirements.lock, hash-checked), with the
# same portable CPU flags as the appliance's wheel: the baseline bench/vs_llama_server.py
# measures the daemon against. Cached in build/llama-server/<key>/bin/llama-server (key: the
# lock entry and the CMake arguments); about 6 minutes on 2 cores the first time.
#
# Prints the path of the binary. Not part of the appliance (nothing installs it).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=${PYTHON:-python3}
LLAMA_CMAKE_ARGS=${LLAMA_CMAKE_ARGS:--DGGML_NATIVE=OFF -DGGML_SSE42=ON -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON}
LOCK=$ROOT/packaging/requirements.lock

die() { printf 'llama-server: %s\n' "$*" >&2; exit 1; }

entry=$(awk '/^#/ { next } /^[^ ]/ { on = ($0 ~ /^llama[-_]cpp[-_]python==/) } on' "$LOCK")
[ -n "$entry" ] || die "no llama-cpp-python in $LOCK"
key=$(printf '%s\n%s\n%s\n' "$entry" "$LLAMA_CMAKE_ARGS" "$(uname -m)" | sha256sum | cut -c1-16)
out=$ROOT/build/llama-server/$key
if [ ! -x "$out/bin/llama-server" ]; then
    command -v cmake > /dev/null || die "cmake is not installed (make deb-tools installs it)"
    printf '==> llama-server: verifying the llama-cpp-python sdist against the lock, building its vendored llama.cpp (%s); about 6 minutes on 2 cores\n' \
        "$LLAMA_CMAKE_ARGS" >&2
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    printf '%s\n' "$entry" > "$work/llama.lock"
    "$PYTHON" -m pip download --quiet --no-deps --require-hashes --no-binary :all: \
        --requirement "$work/llama.lock" --dest "$work/sdist"
    tar -xzf "$work"/sdist/llama_cpp_python-*.tar.gz -C "$work"
    src=$(echo "$work"/llama_cpp_python-*/vendor/llama.cpp)
    [ -f "$src/CMakeLists.txt" ] || die "no vendored llama.cpp in the sdist"
    started=$(date +%s)
    # shellcheck disable=SC2086 # the arguments are words on purpose
    cmake -S "$src" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DLLAMA_CURL=OFF \
        -DLLAMA_OPENSSL=OFF -DBUILD_SHARED_LIBS=OFF -DLLAMA_BUILD_TESTS=OFF \
        -DLLAMA_BUILD_EXAMPLES=OFF $LLAMA_CMAKE_ARGS > "$work/cmake.log" 2>&1 \
        || { tail -n 30 "$work/cmake.log" >&2; die "cmake failed"; }
    cmake --build "$work/build" --target llama-server -j "$(nproc)" > "$work/build.log" 2>&1 \
        || { tail -n 30 "$work/build.log" >&2; die "build failed"; }
    mkdir -p "$out.tmp/bin"
    cp "$work/build/bin/llama-server" "$out.tmp/bin/"
    rm -rf "$out" && mv "$out.tmp" "$out"
    printf '==> llama-server built in %d s: %s\n' "$(( $(date +%s) - started ))" "$out/bin/llama-server" >&2
fi
printf '%s\n' "$out/bin/llama-server"
