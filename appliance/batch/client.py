"""``appliance batch submit|list|get|cancel``: the daemon's batch API over HTTP (httpx), with
the same bearer token as every other call, and a progress bar on stderr while it waits.

Only what the CLI prints is here; the API itself is :mod:`appliance.httpapi.batches`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from appliance.batch import ENDED, ENDPOINTS

if TYPE_CHECKING:
    import httpx

DEFAULT_URL = "http://127.0.0.1:8080"
POLL_S = 1.0
BAR_WIDTH = 30


class CliError(Exception):
    """One line for stderr; ``code``: the exit status."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The ``batch`` subcommands and their options."""
    sub = p.add_subparsers(dest="batch_command", required=True, metavar="SUBCOMMAND")
    s = sub.add_parser("submit", help="upload a JSONL file of requests and start a batch")
    s.add_argument("file", type=Path, metavar="FILE.jsonl",
                   help="one request a line: custom_id, method POST, url, body")
    s.add_argument("--model", help="the tier for lines whose body names no model")
    s.add_argument("--endpoint", choices=ENDPOINTS,
                   help="default: the url of the file's first line")
    s.add_argument("--wait", action="store_true",
                   help="wait for the batch to end, with a progress bar on stderr")
    g = sub.add_parser("get", help="a batch's status; --out writes its output file")
    g.add_argument("batch_id", metavar="ID")
    g.add_argument("--out", type=Path, help="write the output file (answered lines) here")
    g.add_argument("--errors", type=Path, help="write the error file (failed lines) here")
    g.add_argument("--wait", action="store_true", help="wait for the batch to end first")
    ls = sub.add_parser("list", help="your batches, newest first")
    ls.add_argument("--limit", type=int, default=20, help="at most this many (1-100)")
    ls.add_argument("--json", action="store_true", help="one JSON object a line")
    c = sub.add_parser("cancel", help="cancel a batch (lines running finish)")
    c.add_argument("batch_id", metavar="ID")
    for q in (s, g, ls, c):
        q.add_argument("--url", default=DEFAULT_URL,
                       help="the daemon's HTTP API ([http] listen; default %(default)s)")
        q.add_argument("--token", help="bearer token")
        q.add_argument("--token-file", type=Path, help="file holding the bearer token")
        q.add_argument("--ca", type=Path, help="CA certificate (PEM) of an https:// URL")
        q.add_argument("--timeout", type=float, default=60.0, help="per HTTP call, seconds")


def run(args: argparse.Namespace) -> int:
    """Run one subcommand; returns the exit status (CliError for a failure to print)."""
    with _http(args) as http:
        command = args.batch_command
        if command == "submit":
            batch = _submit(http, args)
        elif command == "list":
            return _list(http, args)
        elif command == "cancel":
            batch = _call(http, "POST", f"/v1/batches/{args.batch_id}/cancel")
        else:
            batch = _call(http, "GET", f"/v1/batches/{args.batch_id}")
        if getattr(args, "wait", False):
            batch = _wait(http, batch)
        if command == "get":
            _download(http, batch, "output_file_id", args.out)
            _download(http, batch, "error_file_id", args.errors)
    print(json.dumps(batch, indent=2))
    return 1 if batch["status"] in ("failed", "expired") else 0


def _http(args: argparse.Namespace) -> httpx.Client:
    import httpx  # noqa: PLC0415 - only when a batch command runs
    token = args.token
    if args.token_file is not None:
        try:
            token = args.token_file.read_text().strip()
        except OSError as exc:
            raise CliError(f"{args.token_file}: {exc.strerror}", 2) from exc
    headers = {"authorization": f"Bearer {token}"} if token else {}
    verify: Any = str(args.ca) if args.ca else True
    return httpx.Client(base_url=args.url.rstrip("/"), headers=headers, timeout=args.timeout,
                        verify=verify)


def _call(http: httpx.Client, method: str, path: str, **kwargs: Any) -> Any:
    import httpx  # noqa: PLC0415
    try:
        response = http.request(method, path, **kwargs)
    except httpx.HTTPError as exc:
        raise CliError(f"{http.base_url}: {exc}") from exc
    if response.status_code != 200:
        try:
            message = response.json()["error"]["message"]
        except (ValueError, KeyError, TypeError):
            message = response.text[:200]
        raise CliError(f"{method} {path}: {response.status_code}: {message}")
    return response.json() if "json" in response.headers.get("content-type", "") \
        and not path.endswith("/content") else response.content


def _submit(http: httpx.Client, args: argparse.Namespace) -> Any:
    try:
        lines = args.file.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"{args.file}: cannot read: {exc}", 2) from exc
    out = []
    endpoint = args.endpoint
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            item = json.loads(raw)
        except ValueError:
            raise CliError(f"{args.file}:{number}: not a JSON object", 2) from None
        if isinstance(item, dict):
            endpoint = endpoint or item.get("url")
            body = item.get("body")
            if args.model and isinstance(body, dict) and "model" not in body:
                body["model"] = args.model
        out.append(json.dumps(item, ensure_ascii=False))
    if endpoint not in ENDPOINTS:
        raise CliError(f"{args.file}: the endpoint (--endpoint, or the first line's url) must "
                       f"be one of {', '.join(ENDPOINTS)}", 2)
    data = ("\n".join(out) + "\n").encode()
    uploaded = _call(http, "POST", "/v1/files", data={"purpose": "batch"},
                     files={"file": (args.file.name, data, "application/jsonl")})
    return _call(http, "POST", "/v1/batches", json={
        "input_file_id": uploaded["id"], "endpoint": endpoint, "completion_window": "24h"})


def _wait(http: httpx.Client, batch: Any) -> Any:
    tty = sys.stderr.isatty()
    shown = None
    while True:
        counts = batch["request_counts"]
        done = counts["completed"] + counts["failed"]
        line = _bar(done, counts["total"], counts["failed"], batch["status"])
        if line != shown:
            print(("\r" if tty else "") + line, end="" if tty else "\n", file=sys.stderr,
                  flush=True)
            shown = line
        if batch["status"] in ENDED:
            if tty:
                print(file=sys.stderr)
            return batch
        time.sleep(POLL_S)
        batch = _call(http, "GET", f"/v1/batches/{batch['id']}")


def _bar(done: int, total: int, failed: int, status: str) -> str:
    filled = BAR_WIDTH * done // total if total else BAR_WIDTH
    return (f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total} lines"
            f"{f' ({failed} failed)' if failed else ''}  {status}")


def _download(http: httpx.Client, batch: Any, which: str, path: Path | None) -> None:
    if path is None:
        return
    if not batch.get(which):
        raise CliError(f"batch {batch['id']} has no {which.removesuffix('_id')} "
                       f"({batch['status']})")
    data = _call(http, "GET", f"/v1/files/{batch[which]}/content")
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise CliError(f"{path}: {exc.strerror}", 2) from exc


def _list(http: httpx.Client, args: argparse.Namespace) -> int:
    page = _call(http, "GET", "/v1/batches", params={"limit": args.limit})
    for batch in page["data"]:
        if args.json:
            print(json.dumps(batch))
            continue
        counts = batch["request_counts"]
        created = time.strftime("%Y-%m-%d %H:%M", time.localtime(batch["created_at"]))
        print(f"{batch['id']}  {batch['status']:<11} {counts['completed']:>6} ok "
              f"{counts['failed']:>6} failed {counts['total']:>6} total  {created}  "
              f"{batch['endpoint']}")
    return 0
