"""Reading captures back: where the newest complete capture of a service and its code are (``capture show``),
storing generated code next to its capture (``capture attach``), and each account's newest runs (for verify)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from failsafe.ops.capture.collectors import COLLECTORS
from failsafe.ops.capture.model import (
    BASELINE_RUNS,
    CAPTURE_PREFIX,
    KEY_TIME,
    PREFIX,
    RUN_KEY,
    SERVICES,
    STAMP,
    CaptureError,
    stamp_of,
)
from failsafe.ops.capture.store import Store


def show(store: Store, service: str, account: str | None = None, at: datetime | None = None) -> dict[str, Any]:
    """Where the newest complete capture of ``service`` (at or before ``at``) and its generated code are."""
    if service not in COLLECTORS and service != "cloudcontrol":
        raise CaptureError(f"service {service!r}: choose from {' '.join(SERVICES)}")
    accounts = store.accounts()
    if account is None:
        if len(accounts) != 1:
            listed = ", ".join(accounts) or "none"
            raise CaptureError(f"captures exist for accounts {listed}: pass --account")
        account = accounts[0]
    _, prefixes = store.listing(f"{PREFIX}/{account}/{service}/", "/")
    stamps = sorted((p.rstrip("/").rsplit("/", 1)[-1] for p in prefixes), reverse=True)
    skipped: list[str] = []
    for stamp in stamps:
        if not STAMP.match(stamp) or (at and datetime.strptime(stamp, KEY_TIME).replace(tzinfo=UTC) > at):
            continue
        prefix = f"{PREFIX}/{account}/{service}/{stamp}/"
        keys, _ = store.listing(prefix)
        if f"{prefix}manifest.json" not in keys:
            skipped.append(f"{stamp} (no manifest: the run did not finish)")
            continue
        manifest = store.get_json(f"{prefix}manifest.json")
        if manifest.get("status") != "complete":
            skipped.append(f"{stamp} ({manifest.get('status')}: {manifest.get('error')})")
            continue
        url = f"s3://{store.bucket}/"
        return {
            "account": account,
            "service": service,
            "timestamp": stamp,
            "prefix": f"{url}{prefix}",
            "inventory": f"{url}{prefix}inventory.json",
            "import_file": f"{url}{prefix}import.json" if f"{prefix}import.json" in keys else None,
            "code": [f"{url}{k}" for k in keys if k.endswith(".py")],
            "import_stack": manifest.get("import_stack"),
            "resources": manifest.get("resources"),
            "unmanaged": manifest.get("unmanaged"),
            "skipped_incomplete": skipped,
        }
    when = f" at or before {stamp_of(at)}" if at else ""
    tried = f"; incomplete ones skipped: {'; '.join(skipped)}" if skipped else ""
    raise CaptureError(f"no complete capture of {service} in account {account}{when}{tried}")


def attach(store: Store, prefix: str, files: Sequence[Path]) -> list[str]:
    """Store generated code next to its capture (the prefix must hold a manifest; new keys only)."""
    if not CAPTURE_PREFIX.match(prefix):
        raise CaptureError(f"--prefix {prefix!r}: expected capture/<account>/<service>/<timestamp>/")
    keys, _ = store.listing(prefix)
    if f"{prefix}manifest.json" not in keys:
        raise CaptureError(f"--prefix {prefix}: no manifest.json there; attach code to an existing capture only")
    stored = []
    for path in files:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CaptureError(f"{path}: {exc.strerror}") from None
        key = f"{prefix}{path.name}"
        store.put(key, data, "text/x-python" if path.suffix == ".py" else "application/octet-stream")
        stored.append(key)
    return stored


@dataclass(frozen=True)
class Summary:
    """An account's newest run and newest complete run, for ``verify``."""

    account: str
    newest_key: str | None
    newest_status: str | None
    complete_key: str | None
    complete: Mapping[str, Any] | None


def summaries(store: Store, scan: int = BASELINE_RUNS) -> list[Summary]:
    out: list[Summary] = []
    for account in store.accounts():
        newest_key = newest_status = complete_key = None
        complete = None
        for key, record in store.runs(account, scan):
            if newest_key is None:
                newest_key, newest_status = key, record.get("status")
            if record.get("status") == "complete":
                complete_key, complete = key, record
                break
        out.append(Summary(account, newest_key, newest_status, complete_key, complete))
    return out


def run_time(key: str) -> datetime:
    match = RUN_KEY.match(key)
    if not match:
        raise ValueError(f"not a capture run key: {key}")
    return datetime.strptime(match.group("time"), KEY_TIME).replace(tzinfo=UTC)


def capture_complete(store: Store, accounts: Sequence[str] | None = None) -> dict[str, list[str]]:
    """Per account, why its newest capture is incomplete (an empty list: complete). For ``verify``: a capture with
    a service or listing denied, throttled past its tries, failed or cut by the budget stays incomplete until a
    later run completes it (the generic inventory resumes from its cursor), and verify must fail until then."""
    out: dict[str, list[str]] = {}
    for account in accounts or store.accounts():
        newest = next(iter(store.runs(account, 1)), None)
        if newest is None:
            out[account] = ["no capture run recorded"]
            continue
        key, record = newest
        reasons = [] if record.get("status") == "complete" else list(record.get("reasons") or ["incomplete"])
        out[account] = [f"{key}: {r}" for r in reasons]
    return out


def run_coverage(record: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Per service of a run record: types listed, resources found, types skipped per reason, listings not done;
    the classic services as one row each, the generic inventory per CloudFormation service."""
    out: dict[str, dict[str, Any]] = {}
    for service, result in (record.get("services") or {}).items():
        generic_rows = result.get("coverage")
        if generic_rows:
            out.update({f"cloudcontrol {name}": dict(row) for name, row in generic_rows.items()})
            continue
        done = result.get("status") == "complete"
        out[service] = {
            "types_listed": 0 if result.get("status") == "failed" else 1,
            "resources": int(result.get("resources") or 0),
            "skipped": dict(result.get("skipped") or {}),
            "incomplete": 0 if done else 1,
        }
    return out


def show_coverage(store: Store, account: str | None = None, at: datetime | None = None) -> dict[str, Any]:
    """The coverage of the account's newest run (at or before ``at``), complete or not, with why not."""
    accounts = store.accounts()
    if account is None:
        if len(accounts) != 1:
            raise CaptureError(f"captures exist for accounts {', '.join(accounts) or 'none'}: pass --account")
        account = accounts[0]
    for key, record in store.runs(account, BASELINE_RUNS):
        if at and run_time(key) > at:
            continue
        return {
            "account": account,
            "service": "all",
            "timestamp": record.get("timestamp"),
            "prefix": f"s3://{store.bucket}/{key}",
            "inventory": None,
            "import_file": None,
            "code": [],
            "import_stack": record.get("import_stack"),
            "resources": sum(int(r.get("resources") or 0) for r in (record.get("services") or {}).values()),
            "unmanaged": sum(int(r.get("unmanaged") or 0) for r in (record.get("services") or {}).values()),
            "skipped_incomplete": list(record.get("reasons") or []),
            "coverage": run_coverage(record),
        }
    raise CaptureError(f"no capture run of account {account}" + (f" at or before {stamp_of(at)}" if at else ""))
