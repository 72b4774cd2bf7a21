#!/usr/bin/env bash
# Print the directory holding the llama-cpp-python wheel compiled from the locked, hash-checked
# sdist (packaging/requirements.lock), compiling it first when the cache lacks it. `make setup`
# (the development venv) and packaging/build-deb.sh (the .deb) both take it from here, so a
# fresh machine compiles llama.cpp once, not twice (about 6 minutes on 2 cores).
#
# Environment:
#   PYTHON            a Python 3.11 with pip that downloads and builds (default: python3)
#   LLAMA_CMAKE_ARGS  how llama.cpp is compiled. Default: portable x86-64-v3 (AVX2, FMA, F16C,
#                     BMI2), never -march=native, so the wheel runs on other CPUs than the build
#                     host's. CUDA sites: "-DGGML_CUDA=on" on a host with the CUDA toolkit.
#
# The cache (~/.cache/llm-appliance/wheels/<key>) is keyed by the lock entry (version and
# SHA-256 of the sdist), the CMake arguments, the Python minor version and the machine.
# llama-cpp-python loads llama.cpp through ctypes: the wheel holds no CPython extension, so one
# build serves every 3.11 interpreter (pyenv's for development, Debian's for the package).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=${PYTHON:-python3}
LLAMA_CMAKE_ARGS=${LLAMA_CMAKE_ARGS:--DGGML_NATIVE=OFF -DGGML_SSE42=ON -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON}
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/llm-appliance/wheels
LOCK=$ROOT/packaging/requirements.lock

die() { printf 'llama-wheel: %s\n' "$*" >&2; exit 1; }

# The lock's llama-cpp-python entry: its requirement line and the --hash lines under it.
entry=$(awk '/^#/ { next } /^[^ ]/ { on = ($0 ~ /^llama[-_]cpp[-_]python==/) } on' "$LOCK")
[ -n "$entry" ] || die "no llama-cpp-python in $LOCK"
pyver=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
key=$(printf '%s\n%s\n%s\n%s\n' "$entry" "$LLAMA_CMAKE_ARGS" "$pyver" "$(uname -m)" \
      | sha256sum | cut -c1-16)
out=$CACHE/$key
if ! ls "$out"/llama_cpp_python-*.whl >/dev/null 2>&1; then
    printf '==> llama-cpp-python: verifying the sdist against the lock, compiling llama.cpp (%s); about 6 minutes on 2 cores\n' \
        "$LLAMA_CMAKE_ARGS" >&2
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    printf '%s\n' "$entry" > "$work/llama.lock"
    "$PYTHON" -m pip download --quiet --no-deps --require-hashes --no-binary :all: \
        --requirement "$work/llama.lock" --dest "$work/sdist"
    # --no-cache-dir: pip's wheel cache would hand back a wheel built with other flags.
    started=$(date +%s)
    CMAKE_ARGS=$LLAMA_CMAKE_ARGS CMAKE_BUILD_PARALLEL_LEVEL=$(nproc) \
        "$PYTHON" -m pip wheel --quiet --no-deps --no-cache-dir --wheel-dir "$work/wheel" \
        "$work"/sdist/llama_cpp_python-*.tar.gz
    mkdir -p "$CACHE"
    rm -rf "$out.tmp"
    mv "$work/wheel" "$out.tmp" && mv "$out.tmp" "$out"
    printf '==> llama-cpp-python compiled in %d s, cached in %s\n' "$(( $(date +%s) - started ))" "$out" >&2
fi
printf '%s\n' "$out"
