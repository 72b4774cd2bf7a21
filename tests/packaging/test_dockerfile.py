"""The Dockerfile, as far as it can be checked without a Docker engine: its build stage runs
the Makefile target the .deb tests exercise, and its final stage is the hardened runtime."""

from __future__ import annotations

import json
import re
import subprocess

from tests.packaging.conftest import ROOT

TEXT = (ROOT / "Dockerfile").read_text()
STAGES = re.split(r"^FROM ", TEXT, flags=re.MULTILINE)[1:]


def _instructions(stage: str, name: str) -> list[str]:
    joined = re.sub(r"\\\n\s*", " ", stage)
    return [line[len(name) + 1:] for line in joined.splitlines() if line.startswith(name + " ")]


def test_two_stages_and_the_build_runs_the_makefile_target() -> None:
    assert 2 == len(STAGES)
    build, final = STAGES
    assert build.startswith("${DEBIAN} AS build")
    assert any("make deb-tools" in r and "make deb-only" in r
               for r in _instructions(build, "RUN"))
    dry = subprocess.run(["make", "-n", "deb-only"], cwd=ROOT, capture_output=True, text=True,
                         timeout=60, check=False)
    assert 0 == dry.returncode, dry.stderr
    assert "packaging/build-deb.sh" in dry.stdout
    assert 'ARG DEBIAN=debian:bookworm-slim' in TEXT
    assert final.startswith("${DEBIAN}\n")


def test_final_stage_is_non_root_without_compilers_with_volumes_and_healthcheck() -> None:
    final = STAGES[1]
    runs = " ".join(_instructions(final, "RUN"))
    for tool in ("build-essential", "gcc", "g++", "cmake", "python3-dev", "python3-pip",
                 "make "):
        assert tool not in runs, tool
    assert re.search(r"apt-get install .*/llm-appliance\.deb", runs)  # the same package
    assert ["llm-appliance"] == _instructions(final, "USER")
    volumes = json.loads(_instructions(final, "VOLUME")[0])
    assert {"/etc/llm-appliance", "/var/lib/llm-appliance"} == set(volumes)
    (health,) = _instructions(final, "HEALTHCHECK")
    assert '"appliance", "health"' in health
    cmd = json.loads(_instructions(final, "CMD")[0])
    entry = json.loads(_instructions(final, "ENTRYPOINT")[0])
    assert ["appliance"] == entry and "serve" == cmd[0]


def test_container_command_line_is_accepted_by_the_cli() -> None:
    from appliance.cli import build_parser

    cmd = json.loads(_instructions(STAGES[1], "CMD")[0])
    args = build_parser().parse_args(cmd)
    assert "0.0.0.0:50051" == args.listen
    health = json.loads(_instructions(STAGES[1], "HEALTHCHECK")[0].split("CMD ", 1)[1])
    build_parser().parse_args(health[1:])
