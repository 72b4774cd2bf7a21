"""The ``appliance`` command. Thin: parses arguments and calls into the modules.

Exit codes: 0 success, 1 a request or verification failed, 2 usage or configuration error.
Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from appliance import __version__

if TYPE_CHECKING:
    from appliance.access import TokenStore
    from appliance.config import Config
    from appliance.errors import ConfigError

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


def _die(message: str, code: int) -> int:
    print(f"appliance: {message}", file=sys.stderr)
    return code


def _add_target(p: argparse.ArgumentParser) -> None:
    p.add_argument("--target", default="127.0.0.1:50051",
                   help="daemon address, HOST:PORT or unix:///PATH (default %(default)s)")
    p.add_argument("--timeout", type=float, default=120.0, help="deadline in seconds")
    p.add_argument("--token", help="bearer token")
    p.add_argument("--token-file", type=Path, help="file holding the bearer token")
    p.add_argument("--ca", type=Path, help="CA certificate (PEM): use TLS")
    p.add_argument("--cert", type=Path, help="client certificate (PEM) for mutual TLS")
    p.add_argument("--key", type=Path, help="client private key (PEM) for mutual TLS")


CONFIG_HELP = ("TOML config (default: $APPLIANCE_CONFIG, else /etc/llm-appliance/appliance.toml "
               "if it exists, else the embedded default)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="appliance", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"llm-appliance {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_daemon_commands(sub)
    _add_ask(sub)
    _add_admin_commands(sub)
    _add_audit(sub)
    _add_batch(sub)
    return parser


Subparsers = Any  # argparse's _SubParsersAction, private in typeshed


def _add_daemon_commands(sub: Subparsers) -> None:
    p = sub.add_parser("serve", help="run the daemon in the foreground")
    p.add_argument("--config", type=Path, help=CONFIG_HELP)
    p.add_argument("--listen", help="override [server] listen, e.g. 127.0.0.1:0 for a free port")
    p.add_argument("--metrics-listen",
                   help="override [metrics] listen (\"\" turns the metrics listener off)")
    p.add_argument("--http-listen",
                   help="override [http] listen, the OpenAI-compatible HTTP API "
                        "(\"\" turns it off)")

    p = sub.add_parser("health", help="gRPC health check; exit 0 only when SERVING")
    _add_target(p)
    p.set_defaults(timeout=5.0)

    p = sub.add_parser("models", help="list tiers and their models (a canary as a second "
                                      "row); promote TIER or rollback TIER a tier's canary")
    _add_target(p)
    p.add_argument("--json", action="store_true")
    p.add_argument("action", nargs="?", choices=("promote", "rollback"),
                   help="promote: the canary becomes the tier's primary; rollback: drop it")
    p.add_argument("tier", nargs="?", help="the tier whose canary to promote or roll back")

    p = sub.add_parser("status", help="daemon status (Admin.GetStatus)")
    _add_target(p)

    p = sub.add_parser("feedback", help="score one of your answers by its request id "
                                        "(Inference.Feedback): audited, counted")
    _add_target(p)
    p.add_argument("request_id", metavar="REQUEST_ID", help="the answer's request id")
    p.add_argument("score", metavar="SCORE", type=float, help="from -1 (bad) to 1 (good)")


def _add_ask(sub: Subparsers) -> None:
    p = sub.add_parser("ask", help="send one request")
    _add_target(p)
    p.add_argument("--model", default="", help="v3, r1 or auto (default: the server's default)")
    p.add_argument("--max-tokens", type=int, default=0, help="0 = the server's default")
    p.add_argument("--temperature", type=float)
    p.add_argument("--top-p", type=float)
    p.add_argument("--top-k", type=int, help="candidates kept, 0 = off")
    p.add_argument("--min-p", type=float)
    p.add_argument("--repetition-penalty", type=float, help="1 = off; 1.1-1.3 discourages loops")
    p.add_argument("--frequency-penalty", type=float)
    p.add_argument("--presence-penalty", type=float)
    p.add_argument("--response-format", choices=["text", "json_object"],
                   help="json_object: the answer is one JSON object")
    p.add_argument("--json-schema", metavar="FILE",
                   help="the answer validates against this JSON Schema (file, or - for stdin)")
    p.add_argument("--seed", type=int)
    p.add_argument("--stop", action="append", default=[], help="stop string (repeatable)")
    p.add_argument("--system", help="system message (chat mode)")
    p.add_argument("--raw", action="store_true",
                   help="send PROMPT as a raw completion prompt instead of a chat message")
    p.add_argument("--stream", action="store_true", help="print text as it is generated")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("prompt", metavar="PROMPT", help="the prompt; - reads it from stdin")


def _add_admin_commands(sub: Subparsers) -> None:
    p = sub.add_parser("pii", help="PII tools using the daemon's engine and policy")
    psub = p.add_subparsers(dest="pii_command", required=True, metavar="SUBCOMMAND")
    m = psub.add_parser("mask", help="mask text from stdin")
    m.add_argument("--config", type=Path, help="TOML config whose [pii] policy applies")
    m.add_argument("--jsonl", action="store_true",
                   help='each input line {"text": ...} gives one output line '
                        '{"masked": ..., "entities": [...]}')
    m.add_argument("--lang", choices=("auto", "en", "zh"), default="auto",
                   help="en: no Chinese name rules; zh: no English NER; auto: both")

    p = sub.add_parser("config", help="check a config or print an example")
    csub = p.add_subparsers(dest="config_command", required=True, metavar="SUBCOMMAND")
    c = csub.add_parser("check", help="validate a config and name every problem by key")
    c.add_argument("--config", type=Path, help=CONFIG_HELP)
    csub.add_parser("example", help="print a commented example config")

    p = sub.add_parser("token", help="manage bearer tokens ([auth] tokens_file)")
    tsub = p.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
    t = tsub.add_parser("create", help="create a token; its secret is printed once")
    t.add_argument("--name", required=True)
    t.add_argument("--role", required=True, choices=("client", "admin", "auditor"))
    t.add_argument("--out", type=Path, help="write the secret to this file (0600) instead "
                                            "of stdout")
    tl = tsub.add_parser("list", help="names, roles, creation and revocation times")
    tl.add_argument("--json", action="store_true")
    tr = tsub.add_parser("revoke", help="revoke a token (effective at once, no restart)")
    tr.add_argument("--name", required=True)
    for q in (t, tl, tr):
        q.add_argument("--config", type=Path, help="TOML config (default: as for serve)")

    p = sub.add_parser("usage", help="each identity's token and request use against its "
                                     "day and month budgets")
    p.add_argument("--config", type=Path, help=CONFIG_HELP)
    p.add_argument("--identity", help="only this identity")
    p.add_argument("--json", action="store_true", help="one JSON object")
    p = sub.add_parser("doctor", help="check an installation and say what to fix")
    p.add_argument("--config", type=Path, help=CONFIG_HELP)
    p.add_argument("--json", action="store_true", help="findings as one JSON object")
    p.add_argument("--no-hash", action="store_true",
                   help="skip hashing model files (fast; pins are not checked)")


def _add_audit(sub: Subparsers) -> None:
    p = sub.add_parser("audit", help="the compliance officer's tools for the audit log")
    asub = p.add_subparsers(dest="audit_command", required=True, metavar="SUBCOMMAND")
    k = asub.add_parser("keygen", help="create the officer's X25519 key pair")
    k.add_argument("--out", type=Path, required=True, help="directory for officer.key/.pub")
    k.add_argument("--passphrase-file", type=Path,
                   help="encrypt the private key with the passphrase in this file")
    v = asub.add_parser("verify", help="integrity report per segment; exit 0 only when valid")
    e = asub.add_parser("export", help="decrypt, verify and export records")
    for q in (v, e):
        q.add_argument("--dir", type=Path, required=True, help="the audit directory")
        q.add_argument("--anchors", type=Path,
                       help="the checkpoint sink file (audit.checkpoint_sink): detects a "
                            "truncated or rolled-back log")
        q.add_argument("--passphrase-file", type=Path, help="passphrase of the private key")
    v.add_argument("--key", type=Path, help="officer private key: also decrypt and "
                                            "authenticate every record")
    v.add_argument("--json", action="store_true", help="the full report as JSON")
    e.add_argument("--key", type=Path, required=True, help="officer private key")
    e.add_argument("--format", choices=("jsonl", "csv", "ocsf", "parquet"), required=True)
    e.add_argument("--from", dest="start", help="only records at or after (ISO 8601)")
    e.add_argument("--to", dest="end", help="only records before (ISO 8601)")
    e.add_argument("--user", help="only this client identity")
    e.add_argument("--model", help="only this tier (v3, r1) or model SHA-256")
    e.add_argument("--out", type=Path, required=True,
                   help="export file ('-' with --follow: standard output)")
    e.add_argument("--follow", action="store_true",
                   help="keep running: write records as checkpoints cover them (jsonl, csv, "
                        "ocsf), resuming after a restart from --cursor")
    e.add_argument("--cursor", type=Path,
                   help="with --follow: where the position is kept (default OUT.cursor.json)")
    e.add_argument("--interval", type=float, default=2.0,
                   help="with --follow: seconds between polls (default 2)")
    e.add_argument("--quiet", action="store_true", help="no progress on stderr")
    rk = asub.add_parser("rotate-device-key",
                         help="admin, daemon stopped: a new appliance identity, recorded in the "
                              "audit log (signed by the old key, which is kept)")
    rk.add_argument("--config", type=Path, help=CONFIG_HELP)
    _add_audit_reading(asub)


def _add_audit_reading(asub: Subparsers) -> None:
    """report, show, search: what the officer reads (all verify the whole log as they go)."""
    r = asub.add_parser("report", help="the officer's report: integrity verdict, charts, "
                                       "tables; one self-contained HTML (or PDF) file")
    sh = asub.add_parser("show", help="one request's records, decrypted, with their verdict")
    se = asub.add_parser("search", help="a compact table of the requests that match")
    for q in (r, sh, se):
        q.add_argument("--dir", type=Path, required=True, help="the audit directory")
        q.add_argument("--key", type=Path, required=True, help="officer private key")
        q.add_argument("--anchors", type=Path,
                       help="the checkpoint sink file (audit.checkpoint_sink): detects a "
                            "truncated or rolled-back log")
        q.add_argument("--passphrase-file", type=Path, help="passphrase of the private key")
        q.add_argument("--quiet", action="store_true", help="no progress on stderr")
    for q in (r, se):
        q.add_argument("--from", dest="start", help="only records at or after (ISO 8601)")
        q.add_argument("--to", dest="end", help="only records before (ISO 8601)")
        q.add_argument("--user", help="only this client identity")
        q.add_argument("--model", help="only this tier (v3, r1) or model SHA-256")
    r.add_argument("--format", choices=("html", "pdf"), default="html",
                   help="html (default), or pdf printed by a local Chromium/Chrome")
    r.add_argument("--browser", help="with --format pdf: the Chromium/Chrome to print with")
    r.add_argument("--out", type=Path, required=True, help="the report file")
    sh.add_argument("request_id", metavar="REQUEST_ID",
                    help="a request id (as the caller got it), or its first 8+ characters")
    sh.add_argument("--json", action="store_true", help="the records as one JSON array")
    se.add_argument("--status", help="only these status codes (comma-separated: "
                                     "RESOURCE_EXHAUSTED,UNAUTHENTICATED)")
    se.add_argument("--outcome", choices=("ok", "error", "rejected", "cancelled"))
    se.add_argument("--route", choices=("local", "central"))
    se.add_argument("--entity", help="only requests where this PII type was masked "
                                     "(EMAIL_ADDRESS, PHONE_NUMBER, ...)")
    se.add_argument("--limit", type=int, default=1000,
                    help="at most this many rows (default 1000; 0: all)")
    se.add_argument("--format", choices=("table", "jsonl"), default="table")


def _add_batch(sub: Subparsers) -> None:
    from appliance.batch import client  # noqa: PLC0415 - httpx only when it runs

    client.add_arguments(sub.add_parser(
        "batch", help="batch jobs in idle capacity: submit, list, get, cancel (HTTP API)"))


def cmd_batch(args: argparse.Namespace) -> int:
    from appliance.batch import client  # noqa: PLC0415

    try:
        return client.run(args)
    except client.CliError as exc:
        return _die(str(exc), exc.code)


def main(argv: Sequence[str] | None = None) -> int:
    # One BLAS thread (read when numpy loads, later than this): the PII models' matrix products
    # are small and run on the PII pool's threads, and a second OpenBLAS thread spinning beside
    # them takes a core from llama.cpp's decode threads. A site's own setting wins.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    args = build_parser().parse_args(argv)
    handler = {"serve": cmd_serve, "health": cmd_health, "ask": cmd_ask, "models": cmd_models,
               "status": cmd_status, "config": cmd_config, "pii": cmd_pii,
               "audit": cmd_audit, "token": cmd_token, "doctor": cmd_doctor,
               "usage": cmd_usage, "batch": cmd_batch, "feedback": cmd_feedback}[args.command]
    try:
        return handler(args)
    except KeyboardInterrupt:
        return 130


#: The installed package's configuration (a conffile of the .deb).
SYSTEM_CONFIG = Path("/etc/llm-appliance/appliance.toml")


def config_path(given: Path | None) -> Path | None:
    """Which config a command uses: ``--config FILE``; else ``$APPLIANCE_CONFIG`` (empty: the
    embedded default); else /etc/llm-appliance/appliance.toml when it exists (an installed
    box); else None, the embedded default (a development checkout)."""
    if given is not None:
        return given
    env = os.environ.get("APPLIANCE_CONFIG")
    if env is not None:
        return Path(env) if env else None
    return SYSTEM_CONFIG if SYSTEM_CONFIG.is_file() else None


def _load_config(path: Path | None) -> Any:
    from appliance import config  # noqa: PLC0415 - keep client commands light

    path = config_path(path)
    return config.embedded_default() if path is None else config.load(path)


def cmd_serve(args: argparse.Namespace) -> int:
    from appliance import config  # noqa: PLC0415
    from appliance.errors import ConfigError, DefaultModelMissing, ModelError  # noqa: PLC0415
    from appliance.observability import logging as applog  # noqa: PLC0415

    try:
        cfg = _load_config(args.config)
        if args.listen:
            cfg = config.with_listen(cfg, args.listen)
        if args.metrics_listen is not None:
            cfg = config.with_metrics_listen(cfg, args.metrics_listen)
        if args.http_listen is not None:
            cfg = config.with_http_listen(cfg, args.http_listen)
    except ConfigError as exc:
        return _die(f"configuration error:\n{exc}" if "\n" in str(exc) else str(exc), EXIT_USAGE)
    applog.configure(cfg.logging.format, cfg.logging.level)
    from appliance.server.app import serve  # noqa: PLC0415 - after logging is configured

    log = applog.get_logger("appliance.cli")
    if cfg.source is None:
        log.warning("embedded_default_config",
                    detail="no --config: serving the embedded default model on loopback; "
                           "for development only", state_dir=str(cfg.state_dir))
    else:
        log.info("config_loaded", file=str(cfg.source), state_dir=str(cfg.state_dir))
    try:
        return asyncio.run(serve(cfg))
    except (ConfigError, DefaultModelMissing) as exc:
        return _die(str(exc), EXIT_USAGE)
    except ModelError as exc:
        return _die(str(exc), EXIT_FAIL)
    except Exception as exc:
        # A bug, not the operator's doing: its traceback goes to the log, one line here.
        log.exception("daemon_failed", error_type=type(exc).__name__)
        return _die(f"stopped by an unexpected error ({type(exc).__name__}: {exc}); its "
                    f"traceback is in the log", EXIT_FAIL)


def _client(args: argparse.Namespace) -> Any:
    from appliance.client import Client, Credentials  # noqa: PLC0415

    creds = Credentials.from_files(token_file=args.token_file, ca=args.ca, cert=args.cert,
                                   key=args.key, token=args.token)
    return Client(args.target, credentials=creds, timeout=args.timeout)


def cmd_health(args: argparse.Namespace) -> int:
    from appliance.client import RpcError  # noqa: PLC0415

    try:
        with _client(args) as c:
            status = c.health(timeout=args.timeout)
    except RpcError as exc:
        return _die(f"{args.target}: {exc.code.name}: {exc.message}", EXIT_FAIL)
    print(status)
    return EXIT_OK if status == "SERVING" else EXIT_FAIL


def cmd_ask(args: argparse.Namespace) -> int:
    from appliance.client import RpcError  # noqa: PLC0415

    prompt = sys.stdin.read() if args.prompt == "-" else args.prompt
    kwargs: dict[str, Any] = {
        "model": args.model, "max_tokens": args.max_tokens, "temperature": args.temperature,
        "top_p": args.top_p, "seed": args.seed, "stop": args.stop, "top_k": args.top_k,
        "min_p": args.min_p, "repetition_penalty": args.repetition_penalty,
        "frequency_penalty": args.frequency_penalty, "presence_penalty": args.presence_penalty,
        "response_format": args.response_format,
    }
    if args.json_schema:
        if args.prompt == "-" and args.json_schema == "-":
            return _die("--json-schema - and PROMPT - cannot both read stdin", EXIT_USAGE)
        try:
            kwargs["json_schema"] = sys.stdin.read() if args.json_schema == "-" else \
                Path(args.json_schema).read_text(encoding="utf-8")
        except OSError as exc:
            return _die(f"{args.json_schema}: {exc.strerror}", EXIT_USAGE)
    if args.raw:
        if args.system:
            return _die("--system needs chat mode; drop --raw", EXIT_USAGE)
        kwargs["prompt"] = prompt
    else:
        messages = [{"role": "system", "content": args.system}] if args.system else []
        messages.append({"role": "user", "content": prompt})
        kwargs["messages"] = messages
    try:
        with _client(args) as c:
            if args.stream:
                result = _ask_stream(c, kwargs, echo=not args.json)
            else:
                result = c.generate(**kwargs).to_dict()
                if not args.json:
                    print(result["text"])
    except RpcError as exc:
        rid = f" (request {exc.request_id})" if exc.request_id else ""
        return _die(f"{exc.code.name}: {exc.message}{rid}", EXIT_FAIL)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    return EXIT_OK


def _ask_stream(c: Any, kwargs: dict[str, Any], echo: bool) -> dict[str, Any]:
    text: list[str] = []
    reasoning: list[str] = []
    result: dict[str, Any] = {"served_by": "", "model": "", "request_id": "",
                              "finish_reason": "", "usage": {}, "route_reason": "", "pii": {}}
    for chunk in c.stream(**kwargs):
        if chunk.request_id:
            result.update(request_id=chunk.request_id, model=chunk.model,
                          served_by=chunk.served_by, route_reason=chunk.route_reason)
        text.append(chunk.text)
        reasoning.append(chunk.reasoning)
        if echo and chunk.text:
            sys.stdout.write(chunk.text)
            sys.stdout.flush()
        if chunk.finish_reason:
            u = chunk.usage
            result.update(finish_reason=chunk.finish_reason,
                          usage={"prompt_tokens": u.prompt_tokens,
                                 "completion_tokens": u.completion_tokens,
                                 "total_tokens": u.total_tokens},
                          pii={p.entity_type: p.count for p in chunk.pii})
    if echo:
        sys.stdout.write("\n")
    result.update(text="".join(text), reasoning="".join(reasoning))
    return result


def cmd_models(args: argparse.Namespace) -> int:
    from appliance.client import RpcError  # noqa: PLC0415

    if args.action is not None:
        return _canary(args)
    try:
        with _client(args) as c:
            models = c.list_models()
    except RpcError as exc:
        return _die(f"{exc.code.name}: {exc.message}", EXIT_FAIL)
    rows = [{"tier": m.tier, "file": m.file_name, "sha256": m.sha256,
             "architecture": m.architecture, "quantization": m.quantization,
             "context": m.context_length, "trained_context": m.trained_context_length,
             "state": m.state, "slots": m.slots, "free_slots": m.free_slots,
             "arm": m.arm or None, "weight": m.weight if m.arm == "canary" else None}
            for m in models]
    if args.json:
        print(json.dumps(rows))
        return EXIT_OK
    width = max([28, *(len(r["file"]) for r in rows)])
    print(f"{'TIER':<5} {'ARM':<12} {'STATE':<8} {'FREE':>4}/{'SLOTS':<5} {'QUANT':<7} "
          f"{'CTX':>6}  {'FILE':<{width}} SHA256")
    for r in rows:
        arm = f"canary {r['weight']:.0%}" if r["arm"] == "canary" else r["arm"] or "-"
        print(f"{r['tier']:<5} {arm:<12} {r['state']:<8} {r['free_slots']:>4}/{r['slots']:<5} "
              f"{r['quantization']:<7} {r['context']:>6}  {r['file']:<{width}} {r['sha256']}")
    return EXIT_OK


def _canary(args: argparse.Namespace) -> int:
    """appliance models promote|rollback TIER (Admin.PromoteCanary / RollbackCanary)."""
    from appliance.client import RpcError  # noqa: PLC0415

    if not args.tier:
        return _die(f"appliance models {args.action}: name the tier (v3 or r1)", EXIT_USAGE)
    try:
        with _client(args) as c:
            r = (c.promote_canary if args.action == "promote" else c.rollback_canary)(args.tier)
    except RpcError as exc:
        return _die(f"{exc.code.name}: {exc.message}", EXIT_FAIL)
    done = "is now the primary of" if args.action == "promote" else "rolled back from"
    print(f"{r.file_name} ({r.sha256[:12]}) {done} tier {r.tier}; a reload or restart "
          f"serves what the config file says again")
    return EXIT_OK


def cmd_feedback(args: argparse.Namespace) -> int:
    from appliance.client import RpcError  # noqa: PLC0415

    try:
        with _client(args) as c:
            r = c.feedback(args.request_id, args.score)
    except RpcError as exc:
        return _die(f"{exc.code.name}: {exc.message}", EXIT_FAIL)
    print(f"recorded score {r.score:g} for request {r.request_id}")
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    from google.protobuf import json_format  # noqa: PLC0415

    from appliance.client import RpcError  # noqa: PLC0415

    try:
        with _client(args) as c:
            status = c.status()
    except RpcError as exc:
        return _die(f"{exc.code.name}: {exc.message}", EXIT_FAIL)
    print(json.dumps(json_format.MessageToDict(status), indent=2))
    return EXIT_OK


def cmd_config(args: argparse.Namespace) -> int:
    from appliance import config  # noqa: PLC0415
    from appliance.errors import ConfigError  # noqa: PLC0415

    if args.config_command == "example":
        print(config.EXAMPLE, end="")
        return EXIT_OK
    try:
        cfg = _load_config(args.config)
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    problems = config.check_files(cfg) + _officer_key_problems(cfg)
    for problem in problems:
        print(str(problem), file=sys.stderr)
    if problems:
        return EXIT_USAGE
    print(f"OK: {cfg.source or 'embedded default'}")
    return EXIT_OK


def _officer_key_problems(cfg: Config) -> list[ConfigError]:
    """The configured officer public key must load (the audit log is sealed to it)."""
    if cfg.audit.officer_public_key is None:
        return []
    from appliance.audit.keys import load_officer_public  # noqa: PLC0415
    from appliance.errors import ConfigError  # noqa: PLC0415

    try:
        load_officer_public(cfg.audit.officer_public_key)
    except ConfigError as exc:
        return [ConfigError(exc.message, file=str(cfg.source or "embedded default"),
                            key=exc.key)]
    return []


def cmd_doctor(args: argparse.Namespace) -> int:
    """Exit 0 when nothing failed (warnings allowed), 1 when a check failed, 2 when the
    config itself does not load."""
    from appliance import doctor  # noqa: PLC0415

    path = config_path(args.config)
    if not args.json:
        print(f"checking {path or 'the embedded default config'}"
              f"{'' if args.no_hash else ' (hashing model files)'}...", file=sys.stderr)
    cfg, findings = doctor.run(path, hash_models=not args.no_hash)
    failed = sum(f.level == doctor.FAIL for f in findings)
    warned = sum(f.level == doctor.WARN for f in findings)
    if args.json:
        print(json.dumps({"ok": failed == 0, "failed": failed, "warnings": warned,
                          "findings": [f.as_dict() for f in findings]}, indent=2))
    else:
        for f in findings:
            print(f"{f.level:<5} {f.check}: {f.message}")
            if f.fix and f.level != doctor.OK:
                print(f"      fix: {f.fix}")
        print(f"{failed} failed, {warned} warning(s)")
    if cfg is None:
        return EXIT_USAGE
    return EXIT_FAIL if failed else EXIT_OK


def cmd_pii(args: argparse.Namespace) -> int:
    from appliance.errors import ConfigError  # noqa: PLC0415
    from appliance.observability import logging as applog  # noqa: PLC0415

    applog.configure("console", "warning", stream=sys.stderr)  # stdout carries only results
    try:
        cfg = _load_config(args.config)
        from appliance.privacy.analyzer import Analyzer  # noqa: PLC0415
        from appliance.privacy.masker import mask_texts  # noqa: PLC0415

        analyzer = Analyzer(cfg.pii, cfg.limits.max_prompt_chars)
    except ConfigError as exc:
        return _die(str(exc), EXIT_USAGE)
    if not args.jsonl:
        masked = mask_texts(analyzer, [sys.stdin.read()], args.lang, restore=False)
        sys.stdout.write(masked.texts[0])
        return EXIT_OK
    status = EXIT_OK
    for n, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        text = _jsonl_text(line)
        if text is None:
            print(json.dumps({"error": f'line {n}: expected a JSON object with a string "text"'}))
            status = EXIT_FAIL
            continue
        m = mask_texts(analyzer, [text], args.lang, restore=False)
        entities = [{"type": f.entity_type, "start": f.start, "end": f.end,
                     "placeholder": f.placeholder} for f in m.findings[0]]
        print(json.dumps({"masked": m.texts[0], "entities": entities}, ensure_ascii=False))
    return status


def _jsonl_text(line: str) -> str | None:
    try:
        record = json.loads(line)
    except ValueError:
        return None
    text = record.get("text") if isinstance(record, dict) else None
    return text if isinstance(text, str) else None


def _passphrase(path: Path | None) -> bytes | None:
    if path is None:
        return None
    return path.read_bytes().rstrip(b"\r\n")


def cmd_audit(args: argparse.Namespace) -> int:  # noqa: PLR0911 - an exit status per outcome
    from appliance.audit import keys  # noqa: PLC0415
    from appliance.errors import ConfigError  # noqa: PLC0415

    try:
        if args.audit_command == "rotate-device-key":
            return _rotate_device_key(args)
        passphrase = _passphrase(args.passphrase_file)
        if args.audit_command == "keygen":
            private, public, fp = keys.generate_officer_key(args.out, passphrase)
            print(f"officer key {fp}\n  private: {private} (keep it off the appliance)\n"
                  f"  public:  {public} (set audit.officer_public_key to this file)")
            return EXIT_OK
        if not args.dir.is_dir():
            return _die(f"{args.dir}: not a directory", EXIT_USAGE)
        key = keys.load_officer_private(args.key, passphrase) if args.key else None
        if args.audit_command == "verify":
            return _verify(args, key)
        if args.audit_command in ("report", "show", "search"):
            return _audit_reading(args, key)
        from appliance.audit.export import export  # noqa: PLC0415

        def stderr_progress(message: str) -> None:
            print(f"export: {message}", file=sys.stderr, flush=True)

        filters = _filters(args)
        if args.follow:
            return _follow(args, key, filters)
        result = export(args.dir, key, args.out, args.format,  # type: ignore[arg-type]
                        filters, args.anchors, None if args.quiet else stderr_progress)
        print(f"exported {result.exported} records to {result.path} "
              f"({result.filtered_out} left out by the filters); integrity: "
              f"{result.report.summary}; manifest: {result.manifest}", file=sys.stderr)
        return EXIT_OK if result.report.ok else EXIT_FAIL
    except ConfigError as exc:
        return _die(str(exc), EXIT_USAGE)
    except OSError as exc:
        return _die(f"{exc.filename or ''}: {exc.strerror}", EXIT_FAIL)


def _rotate_device_key(args: argparse.Namespace) -> int:
    """``audit rotate-device-key``: ConfigError (exit 2) while the daemon runs, or when the
    old key is missing or unreadable (a rotation needs it to sign the hand-over)."""
    from appliance.audit.rotation import rotate_device_key  # noqa: PLC0415
    from appliance.observability import logging as applog  # noqa: PLC0415

    cfg = _load_config(args.config)
    applog.configure(cfg.logging.format, "warning", stream=sys.stderr)
    done = rotate_device_key(cfg)
    print(f"device key rotated: appliance {done.old_appliance_id} -> {done.new_appliance_id}; "
          f"audit segment {done.segment} records the hand-over, signed by the old key "
          f"(kept at {done.retired})")
    return EXIT_OK


def _filters(args: argparse.Namespace) -> Any:
    """The --from/--to/--user/--model filters (ConfigError for a time that does not parse)."""
    from appliance.audit.export import Filters, parse_time  # noqa: PLC0415
    from appliance.errors import ConfigError  # noqa: PLC0415

    bounds = []
    for flag, text in (("--from", args.start), ("--to", args.end)):
        t = parse_time(text) if text else None
        if text and t is None:
            raise ConfigError(f"{flag}: not an ISO 8601 time: {text!r}")
        bounds.append(t)
    return Filters(bounds[0], bounds[1], args.user, args.model)


def _audit_reading(args: argparse.Namespace, key: Any) -> int:
    """report, show, search. Exit 0: done and the log verified (show: the request was found);
    1: the log did not verify (the output says so) or nothing was found; 2: bad usage."""
    from appliance.audit import lookup  # noqa: PLC0415

    def progress(message: str) -> None:
        print(f"{args.audit_command}: {message}", file=sys.stderr, flush=True)

    quiet = None if args.quiet else progress
    if args.audit_command == "report":
        from appliance.audit.report import build  # noqa: PLC0415

        result = build(args.dir, key, args.out, _filters(args), args.anchors, args.format,
                       quiet, args.browser)
        print(f"report: {result.path} ({result.aggregates.requests} requests in the period, "
              f"{result.records} records read); integrity: {result.report.summary}",
              file=sys.stderr)
        return EXIT_OK if result.report.ok else EXIT_FAIL
    if args.audit_command == "show":
        shown = lookup.show(args.dir, key, args.request_id, args.anchors, quiet)
        if shown.ambiguous:
            return _die(f"{args.request_id!r} is the start of {len(shown.ambiguous)} request "
                        f"ids: {', '.join(shown.ambiguous[:10])}", EXIT_FAIL)
        if not shown.records:
            return _die(f"no record of request {args.request_id!r} in {args.dir} "
                        f"(integrity: {shown.report.summary})", EXIT_FAIL)
        if args.json:
            print(json.dumps(shown.records, indent=2, ensure_ascii=False))
        else:
            lookup.print_shown(shown, sys.stdout)
        print(f"integrity of the whole log: {shown.report.summary}", file=sys.stderr)
        return EXIT_OK
    statuses = frozenset(s.strip().upper() for s in (args.status or "").split(",") if s.strip())
    filters = lookup.SearchFilters(_filters(args), statuses, args.route, args.entity,
                                   args.outcome)
    found = lookup.search(args.dir, key, filters, anchors=args.anchors,
                          limit=args.limit or None, progress=quiet)
    if args.format == "jsonl":
        for rec in found.rows:
            print(json.dumps(rec, ensure_ascii=False, sort_keys=True))
    else:
        lookup.table(found.rows, sys.stdout)
    more = f", {found.more} more not shown (--limit)" if found.more else ""
    print(f"search: {len(found.rows)} requests{more}; integrity: {found.report.summary}",
          file=sys.stderr)
    return EXIT_OK if found.report.ok else EXIT_FAIL


def _verify(args: argparse.Namespace, key: Any) -> int:
    from appliance.audit.verify import verify_dir  # noqa: PLC0415

    report = verify_dir(args.dir, key, args.anchors)
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        for seg in report.segments:
            where = f" at seq {seg.seq}" if seg.seq is not None else ""
            detail = f": {seg.detail}{where}" if seg.detail else ""
            print(f"segment {seg.segment:>6}  {seg.status:<20} {seg.records:>7} "
                  f"records{detail}")
        for u in report.unexplained[:20]:
            print(f"request {u['request_id']} (segment {u['segment']}) began without "
                  f"an end record, and the log does not say why")
        print(report.summary + ("" if key else " (signatures and chain only; give "
                                "--key to decrypt and authenticate every record)"))
    return EXIT_OK if report.ok else EXIT_FAIL


def _follow(args: argparse.Namespace, key: Any, filters: Any) -> int:
    """``audit export --follow``: until SIGTERM or SIGINT, then exit 0 with the cursor saved."""
    import signal  # noqa: PLC0415

    from appliance.audit.follow import follow  # noqa: PLC0415

    if key is None:
        return _die("--follow needs --key", EXIT_USAGE)
    out = None if str(args.out) == "-" else args.out
    cursor = args.cursor or (Path(f"{args.out}.cursor.json") if out is not None else None)
    if cursor is None:
        return _die("--follow to standard output needs --cursor FILE", EXIT_USAGE)
    stopping: list[int] = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda signum, _frame: stopping.append(signum))

    def report(message: str) -> None:
        print(f"export: {message}", file=sys.stderr, flush=True)

    final = follow(args.dir, key, out, args.format, filters, cursor,
                   interval=max(args.interval, 0.1), anchors=args.anchors,
                   stop=lambda: bool(stopping), report=report)
    print(f"export: stopped after {final.written} records written; cursor at segment "
          f"{final.segment} seq {final.seq} ({cursor})", file=sys.stderr)
    return EXIT_OK


def cmd_usage(args: argparse.Namespace) -> int:
    """Day and month use from state_dir/quota-usage.json (written by the daemon; read here),
    or from the shared Redis of [state] backend."""
    from appliance.access import TokenStore  # noqa: PLC0415
    from appliance.errors import ConfigError, Unavailable  # noqa: PLC0415
    from appliance.state.local import Quotas, quota_path  # noqa: PLC0415

    try:
        cfg = _load_config(args.config)
        quotas = Quotas(quota_path(cfg.state_dir))
        if cfg.state.backend == "local":
            rows = quotas.report(cfg.auth.identities, cfg.auth.default)
        else:  # Redis knows hashes only: these names are looked up
            from appliance.state.admin import usage_rows  # noqa: PLC0415

            names = {t["name"] for t in TokenStore(cfg.auth.tokens_path(cfg.state_dir)).list()}
            if args.identity:
                names.add(args.identity)
            rows = usage_rows(cfg, sorted(names | set(cfg.auth.certificate_roles)))
    except ConfigError as exc:
        return _die(str(exc), EXIT_USAGE)
    except Unavailable as exc:
        return _die(exc.message, EXIT_FAIL)
    if args.identity:
        rows = [r for r in rows if r["identity"] == args.identity]
        if not rows:
            return _die(f"no use and no policy for identity {args.identity!r}", EXIT_FAIL)
    if args.json:
        where = str(quotas.path) if cfg.state.backend == "local" else _state_target(cfg)
        print(json.dumps({"file": where, "identities": rows}, indent=2))
        return EXIT_OK
    if not rows:
        print(f"no identity has a budget or recorded use ({quotas.path}); budgets are set per "
              f"identity in [auth.identities.NAME]: tokens_per_day, tokens_per_month, "
              f"requests_per_day, requests_per_month", file=sys.stderr)
        return EXIT_OK

    def cell(u: dict[str, Any]) -> str:
        return f"{u['used']}/{u['budget']}" if u["budget"] else f"{u['used']}/-"

    print(f"{'identity':<24} {'tokens today':>18} {'requests today':>16} "
          f"{'tokens this month':>20} {'requests this month':>20}")
    for r in rows:
        print(f"{r['identity']:<24} {cell(r['tokens_day']):>18} {cell(r['requests_day']):>16} "
              f"{cell(r['tokens_month']):>20} {cell(r['requests_month']):>20}")
    if rows:
        print(f"day budgets reset at {rows[0]['tokens_day']['resets']}, month budgets at "
              f"{rows[0]['tokens_month']['resets']} (UTC); used/budget, - = no budget",
              file=sys.stderr)
    return EXIT_OK


def _state_target(cfg: Config) -> str:
    from appliance.state.redis_state import target  # noqa: PLC0415

    return target(cfg.state)


def _revoke(cfg: Config, store: TokenStore, name: str) -> int:
    """Revoke in the tokens file, then (Redis backend) on every box sharing it. Run again
    after a failed share: the file's revocations of ``name`` are shared again."""
    from appliance.errors import ConfigError, Unavailable  # noqa: PLC0415

    shared = cfg.state.backend != "local"
    try:
        store.revoke(name)
    except ConfigError:
        if not (shared and store.revoked_digests(name)):
            raise
    print(f"revoked {name}", file=sys.stderr)
    if not shared:
        return EXIT_OK
    from appliance.state.admin import share_revocations  # noqa: PLC0415

    try:
        share_revocations(cfg, store.revoked_digests(name))
    except Unavailable as exc:
        return _die(f"{exc.message}; revoked on this box only: run this again once Redis "
                    f"answers", EXIT_FAIL)
    print(f"revocation shared with every appliance on {_state_target(cfg)}", file=sys.stderr)
    return EXIT_OK


def cmd_token(args: argparse.Namespace) -> int:
    from appliance.access import TokenStore  # noqa: PLC0415
    from appliance.errors import ConfigError  # noqa: PLC0415
    from appliance.files import write_atomic  # noqa: PLC0415

    try:
        cfg = _load_config(args.config)
        store = TokenStore(cfg.auth.tokens_path(cfg.state_dir))
        if args.subcommand == "create":
            secret = store.create(args.name, args.role)
            if args.out:
                write_atomic(args.out, (secret + "\n").encode())
                print(f"token {args.name} ({args.role}) written to {args.out}", file=sys.stderr)
            else:
                print(secret)
                print(f"token {args.name} ({args.role}): shown once, only its hash is stored in "
                      f"{store.path}", file=sys.stderr)
        elif args.subcommand == "revoke":
            return _revoke(cfg, store, args.name)
        else:
            tokens = store.list()
            if args.json:
                print(json.dumps(tokens, indent=2))
            for t in [] if args.json else tokens:
                state = f"revoked {t['revoked']}" if t["revoked"] else "live"
                print(f"{t['name']:<24} {t['role']:<8} created {t['created']}  {state}")
    except ConfigError as exc:
        return _die(str(exc), EXIT_USAGE)
    except OSError as exc:
        return _die(f"{exc.filename or ''}: {exc.strerror}", EXIT_FAIL)
    return EXIT_OK
