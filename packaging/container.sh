#!/bin/sh
# make container: build the Dockerfile into a local image with buildah (no Docker engine
# needed), as root, with chroot isolation.
#
#   packaging/container.sh [TAG]        default TAG: llm-appliance:<version>
#
# The base image is a Debian 12 root made with debootstrap from the configured mirror and
# imported as localhost/llm-appliance-base:bookworm (made once, then reused), passed to the
# Dockerfile as its DEBIAN build argument: nothing is pulled from a registry.
#
# The build stage fetches Debian and PyPI packages. Behind a proxy that re-signs TLS, the
# host's CA bundle ($CONTAINER_CA, default Debian's /etc/ssl/certs/ca-certificates.crt) is
# mounted into the build and named in a pip.conf there; neither ends up in the image.
# The llama-cpp-python wheel cache of packaging/llama-wheel.sh is mounted too, so a host that
# compiled llama.cpp once does not compile it again (the wheel is keyed by its build flags).
set -eu
cd "$(dirname "$0")/.."
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml | head -n1)
TAG=${1:-llm-appliance:$VERSION}
BASE=localhost/llm-appliance-base:bookworm
MIRROR=${APPLIANCE_DEBIAN_MIRROR:-http://deb.debian.org/debian}
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/llm-appliance
CA=${CONTAINER_CA:-/etc/ssl/certs/ca-certificates.crt}
WORK=build/container
started=$(date +%s)

for tool in buildah debootstrap; do
    command -v $tool > /dev/null || { echo "container.sh: $tool is not installed (make container installs it)" >&2; exit 2; }
done
[ "$(id -u)" = 0 ] || { echo "container.sh: buildah with chroot isolation needs root" >&2; exit 2; }

mkdir -p "$WORK" "$CACHE/debootstrap" "$CACHE/wheels"
if ! buildah inspect --type image "$BASE" > /dev/null 2>&1; then
    echo "==> base image: debootstrap bookworm from $MIRROR" >&2
    rm -rf "$WORK/rootfs"
    debootstrap --variant=minbase --cache-dir="$CACHE/debootstrap" bookworm "$WORK/rootfs" \
        "$MIRROR" > "$WORK/debootstrap.log" 2>&1 \
        || { tail -n 20 "$WORK/debootstrap.log" >&2; exit 1; }
    rm -rf "$WORK/rootfs/var/cache/apt/archives/"*.deb "$WORK/rootfs/var/lib/apt/lists/"*
    tar -C "$WORK/rootfs" -cf "$WORK/rootfs.tar" .
    ctr=$(buildah from scratch)
    buildah add --quiet "$ctr" "$WORK/rootfs.tar" / > /dev/null
    buildah config --cmd /bin/bash "$ctr"
    buildah commit --quiet --rm "$ctr" "$BASE" > /dev/null
    rm -rf "$WORK/rootfs" "$WORK/rootfs.tar"
fi

set -- --isolation chroot --layers --build-arg "DEBIAN=$BASE" -t "$TAG" -f Dockerfile \
    --volume "$CACHE/wheels:/root/.cache/llm-appliance/wheels"
if [ -f "$CA" ]; then
    printf '[global]\ncert = /run/build-ca/ca.crt\n' > "$WORK/pip.conf"
    set -- "$@" --volume "$CA:/run/build-ca/ca.crt:ro" --volume "$PWD/$WORK/pip.conf:/etc/pip.conf:ro"
fi
echo "==> buildah bud -t $TAG (base $BASE)" >&2
buildah bud "$@" .
echo "==> image $TAG built in $(( $(date +%s) - started )) s" >&2
