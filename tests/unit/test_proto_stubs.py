"""The generated stubs in appliance/v1 match proto/appliance/v1/appliance.proto."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GENERATED = ("appliance_pb2.py", "appliance_pb2.pyi", "appliance_pb2_grpc.py")


def test_stubs_are_up_to_date(tmp_path: Path) -> None:
    """Regenerating from the .proto gives the committed files byte for byte (`make proto`)."""
    subprocess.run(
        [sys.executable, "-m", "grpc_tools.protoc", f"-I{ROOT / 'proto'}",
         f"--python_out={tmp_path}", f"--pyi_out={tmp_path}", f"--grpc_python_out={tmp_path}",
         str(ROOT / "proto" / "appliance" / "v1" / "appliance.proto")],
        check=True, capture_output=True)
    for name in GENERATED:
        fresh = (tmp_path / "appliance" / "v1" / name).read_text()
        committed = (ROOT / "appliance" / "v1" / name).read_text()
        assert fresh == committed, f"appliance/v1/{name} is stale: run `make proto`"
