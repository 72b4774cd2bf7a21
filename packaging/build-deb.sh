#!/usr/bin/env bash
# Build dist/llm-appliance_<version>-<rev>_<arch>.deb: a self-contained virtual environment
# under /opt/llm-appliance, on Debian's own /usr/bin/python3, installed from the hash-checked
# lock (packaging/requirements.lock). Run through `make deb`, which installs the build tools.
#
# Environment:
#   HOST_PYTHON       a Python with pip >= 22.3 and setuptools >= 69 that drives the install
#                     (default: .venv after make setup, else a small venv made in build/tools)
#   TARGET_PYTHON     the interpreter the package runs on (default: /usr/bin/python3)
#   LLAMA_CMAKE_ARGS  how llama.cpp is compiled. Default: portable x86-64-v3 (AVX2, FMA,
#                     F16C, BMI2), never -march=native, so the package runs on other CPUs
#                     than the build host's. CUDA sites: "-DGGML_CUDA=on" on a build host
#                     with the CUDA toolkit.
#   DEB_REVISION      Debian revision (default 1)
#   DEB_MAINTAINER    the Maintainer field and changelog signature (set your own)
#   OUT               output directory (default dist)
#   BUILD_DIR         scratch directory (default build/deb; emptied first)
#
# The compiled llama-cpp-python wheel comes from packaging/llama-wheel.sh, cached under
# ~/.cache/llm-appliance/wheels and shared with the development venv, so a machine compiles
# llama.cpp once (about 6 minutes on 2 cores) and a rebuild of the package takes two or three.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
HOST_PYTHON=${HOST_PYTHON:-}
TARGET_PYTHON=${TARGET_PYTHON:-/usr/bin/python3}
DEB_REVISION=${DEB_REVISION:-1}
DEB_MAINTAINER=${DEB_MAINTAINER:-llm-appliance developers <llm-appliance-dev@example.org>}
OUT=${OUT:-$ROOT/dist}
LLAMA_CMAKE_ARGS=${LLAMA_CMAKE_ARGS:--DGGML_NATIVE=OFF -DGGML_SSE42=ON -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON}
PREFIX=/opt/llm-appliance
BUILD=${BUILD_DIR:-$ROOT/build/deb}
STAGE=$BUILD/root
VENV=$STAGE$PREFIX
LOCK=$ROOT/packaging/requirements.lock

step() { printf '==> %s\n' "$*" >&2; }
die() { printf 'build-deb: %s\n' "$*" >&2; exit 1; }

[ -x "$TARGET_PYTHON" ] || die "no $TARGET_PYTHON: install python3 and python3-venv"
if [ -z "$HOST_PYTHON" ]; then
    if [ -x "$ROOT/.venv/bin/python" ]; then
        HOST_PYTHON=$ROOT/.venv/bin/python
    else
        HOST_PYTHON=$ROOT/build/tools/bin/python
        if [ ! -x "$HOST_PYTHON" ]; then
            step "a build-tools venv in build/tools (pip, setuptools, wheel)"
            "$TARGET_PYTHON" -m venv "$ROOT/build/tools"
            "$HOST_PYTHON" -m pip install --quiet --upgrade pip 'setuptools>=69' wheel
        fi
    fi
fi
[ -x "$HOST_PYTHON" ] || die "HOST_PYTHON=$HOST_PYTHON is not an executable"
TARGET_VERSION=$("$TARGET_PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
[ "$TARGET_VERSION" = 3.11 ] || die "$TARGET_PYTHON is Python $TARGET_VERSION; the package targets Debian 12's 3.11"
VERSION=$("$HOST_PYTHON" -c 'import tomllib; print(tomllib.load(open("'"$ROOT"'/pyproject.toml", "rb"))["project"]["version"])')
ARCH=$(dpkg --print-architecture)
DEB=$OUT/llm-appliance_${VERSION}-${DEB_REVISION}_${ARCH}.deb
# pip's own cache holds wheels built by whatever Python built them first (a dev venv's, with
# its RUNPATH); sdists for the package are built by the target Python, cached apart.
pip_target() {
    PIP_CACHE_DIR=${XDG_CACHE_HOME:-$HOME/.cache}/llm-appliance/pip \
        "$HOST_PYTHON" -m pip --python "$VENV/bin/python" "$@"
}

step "staging $PREFIX in $STAGE"
rm -rf "$BUILD"
mkdir -p "$STAGE" "$BUILD/wheels" "$OUT"
"$TARGET_PYTHON" -m venv --without-pip "$VENV"

# The lock without llama-cpp-python (compiled from its verified sdist by llama-wheel.sh).
awk -v deps="$BUILD/deps.lock" '
    /^#/ { next }
    /^[^ ]/ { is_llama = ($0 ~ /^llama[-_]cpp[-_]python==/) }
    !is_llama { print > deps }' "$LOCK"
# The same compiled wheel as the development venv's (make setup): compiled once per machine.
llama_wheels=$(PYTHON=$HOST_PYTHON LLAMA_CMAKE_ARGS=$LLAMA_CMAKE_ARGS "$ROOT/packaging/llama-wheel.sh")

step "installing the locked dependencies (pip --require-hashes)"
pip_target install --quiet --no-deps --no-compile --require-hashes --requirement "$BUILD/deps.lock"
pip_target install --quiet --no-deps --no-compile "$llama_wheels"/llama_cpp_python-*.whl

# llama-cpp-python's wheel also puts llama.cpp's headers, CMake files and a second copy of its
# libraries at the top of site-packages, with libllama-common (llama.cpp's model downloader,
# linked to OpenSSL). llama_cpp loads its own copies from llama_cpp/lib; the rest goes.
SITE=$VENV/lib/python3.$(echo "$TARGET_VERSION" | cut -d. -f2)/site-packages
for stray in include lib; do
    others=$(grep -l "^$stray/" "$SITE"/*.dist-info/RECORD | grep -v '/llama_cpp_python-' || true)
    [ -z "$others" ] || die "$stray/ in site-packages also belongs to: $others"
    rm -rf "${SITE:?}/$stray"
done

step "installing llm-appliance $VERSION"
"$HOST_PYTHON" -m pip wheel --quiet --no-deps --no-build-isolation --wheel-dir "$BUILD/wheels" "$ROOT"
pip_target install --quiet --no-deps --no-compile "$BUILD"/wheels/llm_appliance-*.whl
rm -rf "$ROOT/build/lib" "$ROOT/build/bdist".*

step "relocating the environment to $PREFIX"
# Text files only (grep -I): a path inside a binary file (byte code, ELF) cannot be replaced
# by a shorter one without corrupting it. Byte code written while pip ran the target
# interpreter (site-packages' .pth imports) names the staging path: it is deleted and compiled
# again below, for /opt; a binary file still naming the build directory fails the check after.
grep -rlIF "$VENV" "$VENV" | while read -r f; do sed -i "s#$VENV#$PREFIX#g" "$f"; done
find "$VENV" -name __pycache__ -type d -prune -exec rm -rf {} +
# PEP 610 records of where a wheel came from name build-host paths; nothing reads them.
find "$VENV" -name direct_url.json -delete
"$VENV/bin/python" -m compileall -q -f -j 0 --invalidation-mode checked-hash -s "$STAGE" -p / \
    "$VENV/lib" >/dev/null
if grep -rlF "$BUILD" "$STAGE" >/dev/null; then
    die "build paths left in: $(grep -rlF "$BUILD" "$STAGE" | head -5 | tr '\n' ' ')"
fi

step "system files"
install -d "$STAGE/usr/bin" "$STAGE/etc/llm-appliance" "$STAGE/lib/systemd/system" \
    "$STAGE/usr/lib/sysusers.d" "$STAGE/usr/lib/tmpfiles.d" \
    "$STAGE/usr/share/llm-appliance/systemd" "$STAGE/usr/share/doc/llm-appliance" "$STAGE/DEBIAN"
ln -s /opt/llm-appliance/bin/appliance "$STAGE/usr/bin/appliance"
{
    echo "# /etc/llm-appliance/appliance.toml, installed by the llm-appliance package (a conffile:"
    echo "# upgrades keep your changes). The daemon starts once this passes 'appliance config check':"
    echo "# place the officer's public key and the model files first, see"
    echo "# /usr/share/doc/llm-appliance/operations.md. Then: systemctl start llm-appliance"
    echo "#"
    PYTHONDONTWRITEBYTECODE=1 "$VENV/bin/python" -m appliance config example
} > "$STAGE/etc/llm-appliance/appliance.toml"
install -m 0644 "$ROOT/systemd/llm-appliance.service" "$STAGE/lib/systemd/system/"
install -m 0644 "$ROOT/systemd/llm-appliance.sysusers" "$STAGE/usr/lib/sysusers.d/llm-appliance.conf"
install -m 0644 "$ROOT/systemd/llm-appliance.tmpfiles" "$STAGE/usr/lib/tmpfiles.d/llm-appliance.conf"
install -m 0644 "$ROOT/systemd/gpu-nvidia.conf" "$STAGE/usr/share/llm-appliance/systemd/"
# The Grafana dashboard and Prometheus alert rules (and their promtool tests), for the site's
# own Grafana and Prometheus to load: docs/operations.md, "Monitoring".
install -d "$STAGE/usr/share/llm-appliance/observability"
install -m 0644 "$ROOT/packaging/observability/grafana-dashboard.json" \
    "$ROOT/packaging/observability/alerts.yml" "$ROOT/packaging/observability/alerts_test.yml" \
    "$STAGE/usr/share/llm-appliance/observability/"
install -m 0644 "$ROOT/README.md" "$ROOT/docs/operations.md" "$ROOT/security/AUDIT_FORMAT.md" \
    "$ROOT/docs/audit-exports.md" "$STAGE/usr/share/doc/llm-appliance/"
install -D -m 0644 "$ROOT/docs/schemas/audit-record.schema.json" \
    "$STAGE/usr/share/doc/llm-appliance/schemas/audit-record.schema.json"
install -m 0644 "$ROOT/packaging/debian/copyright" "$STAGE/usr/share/doc/llm-appliance/"
printf 'llm-appliance (%s-%s) stable; urgency=medium\n\n  * Release %s.\n\n -- %s  %s\n' \
    "$VERSION" "$DEB_REVISION" "$VERSION" "$DEB_MAINTAINER" "$(date -R -d "@$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || date +%s)")" \
    | gzip -9n > "$STAGE/usr/share/doc/llm-appliance/changelog.Debian.gz"
find "$STAGE" -path "$STAGE/DEBIAN" -prune -o -type d -exec chmod 0755 {} + \
    -o -type f -exec chmod u+w,go-w,a+r {} +
find "$VENV" -type f -name '*.so*' -exec chmod a-x {} +   # libraries are not programs
install -D -m 0644 "$ROOT/packaging/debian/lintian-overrides" \
    "$STAGE/usr/share/lintian/overrides/llm-appliance"

step "control files"
for s in postinst prerm postrm; do install -m 0755 "$ROOT/packaging/debian/$s" "$STAGE/DEBIAN/"; done
echo /etc/llm-appliance/appliance.toml > "$STAGE/DEBIAN/conffiles"
# Shared libraries the compiled extensions need from Debian (manylinux wheels bundle theirs).
shlibs=$(
    cd "$BUILD" && mkdir -p debian \
    && printf 'Source: llm-appliance\n\nPackage: llm-appliance\nArchitecture: any\n' > debian/control \
    && libdirs=$(find "$VENV" -name '*.so*' -type f -printf '-l%h\n' | sort -u) \
    && find "$VENV" -name '*.so*' -type f ! -path '*.libs/*' -print0 \
    | xargs -0 dpkg-shlibdeps -O --ignore-missing-info $libdirs -e 2>"$BUILD/shlibdeps.log" \
    | sed -n 's/^shlibs:Depends=//p') || die "dpkg-shlibdeps failed: $(grep error "$BUILD/shlibdeps.log" | head -3)"
[ -n "$shlibs" ] || die "dpkg-shlibdeps found no dependencies"
depends="python3 (>= 3.11), python3 (<< 3.12), $shlibs"
size=$(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)
sed -e "s/@VERSION@/$VERSION-$DEB_REVISION/" -e "s/@ARCH@/$ARCH/" -e "s/@SIZE@/$size/" \
    -e "s/@DEPENDS@/$depends/" -e "s/@MAINTAINER@/$DEB_MAINTAINER/" \
    "$ROOT/packaging/debian/control.in" > "$STAGE/DEBIAN/control"
(cd "$STAGE" && find . -path ./DEBIAN -prune -o -type f -print0 | sort -z \
    | xargs -0 md5sum | sed 's#  \./#  #') > "$STAGE/DEBIAN/md5sums"

step "dpkg-deb"
rm -f "$DEB"
SOURCE_DATE_EPOCH=$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || date +%s) \
    dpkg-deb --root-owner-group -Zxz --build "$STAGE" "$DEB" >/dev/null
printf '{"deb": "%s", "bytes": %d, "installed_kib": %d, "depends": "%s"}\n' \
    "$DEB" "$(stat -c %s "$DEB")" "$size" "$depends"
