# syntax=docker/dockerfile:1
# llm-appliance container: the .deb, built by `make deb` in a builder stage, installed into a
# plain Debian 12 image. The final image holds no compiler and no pip, runs as the package's
# unprivileged user, and keeps configuration and state in volumes.
#
#   docker build -t llm-appliance .
#   docker run -d --name llm -p 50051:50051 -p 8080:8080 \
#       -v llm-etc:/etc/llm-appliance -v llm-state:/var/lib/llm-appliance llm-appliance
#
# The package brings the Grafana dashboard and Prometheus alert rules to
# /usr/share/llm-appliance/observability/ (copy them out with `docker cp`; docs/operations.md).
#
# Before it serves, put the officer's public key in /etc/llm-appliance/officer.pub and the
# models in /var/lib/llm-appliance/models/ (docs/operations.md); until then the container exits
# with status 2 and `appliance config check` names what is missing.

ARG DEBIAN=debian:bookworm-slim

# ---- build: the same Makefile target as on a build host ----------------------------------
FROM ${DEBIAN} AS build
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        make ca-certificates \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# deb-tools installs the compilers and headers from Debian; deb builds the venv from the
# hash-checked lock (llama.cpp compiled for portable x86-64-v3) and packs dist/*.deb.
# LLAMA_CMAKE_ARGS=-DGGML_CUDA=on builds a CUDA image (needs a CUDA toolkit base image).
ARG LLAMA_CMAKE_ARGS
RUN make deb-tools && LLAMA_CMAKE_ARGS="${LLAMA_CMAKE_ARGS}" make deb-only \
    && mv dist/llm-appliance_*.deb /llm-appliance.deb

# ---- runtime -------------------------------------------------------------------------------
FROM ${DEBIAN}
COPY --from=build /llm-appliance.deb /tmp/llm-appliance.deb
# The llm-appliance user and group first, with a fixed UID and GID, so that every build of
# the image runs as the same numbers: packaging/kubernetes/statefulset.yaml pins runAsUser,
# runAsGroup and fsGroup to them (tests/unit/test_kubernetes.py holds the two together), and
# volumes written by one image stay readable by the next. The .deb's postinst keeps a user
# that exists (left to it, useradd --system would take the first free system UID).
# apt resolves the package's Depends (python3, libgomp1, libsystemd0, ...) from Debian; the
# postinst makes the directories. No systemd runs here, so it only says how to start the daemon.
RUN groupadd --system --gid 999 llm-appliance \
    && useradd --system --uid 999 --gid 999 --home-dir /var/lib/llm-appliance --no-create-home \
        --shell /usr/sbin/nologin --comment "llm-appliance daemon" llm-appliance \
    && apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        /tmp/llm-appliance.deb \
    && rm -rf /var/lib/apt/lists/* /tmp/llm-appliance.deb

VOLUME ["/etc/llm-appliance", "/var/lib/llm-appliance"]
USER llm-appliance
WORKDIR /var/lib/llm-appliance
ENV PYTHONUNBUFFERED=1
# gRPC and the OpenAI-compatible HTTP API on every interface of the container (authentication
# stays required); metrics stay on the container's loopback unless [metrics] says otherwise.
EXPOSE 50051 8080
HEALTHCHECK --interval=30s --timeout=10s --start-period=300s --retries=3 \
    CMD ["appliance", "health", "--target", "127.0.0.1:50051"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["appliance"]
CMD ["serve", "--config", "/etc/llm-appliance/appliance.toml", "--listen", "0.0.0.0:50051", \
     "--http-listen", "0.0.0.0:8080"]
