"""What a change does to the recovery numbers: two models (as ``--output json`` writes them) compared cell by cell.

One line per cell whose RPO or RTO text changed, with the term that moved it, e.g.
``s3:uploads, region loss: RPO 15 min -> none promised (S3 RTC off: rules.0.destination.replicationTime is not
Enabled)``; stores that appear or disappear; and the status of a cell when it changes (protected -> not protected).
Read from JSON on both sides, so the base can be the model of another commit (the PR workflow builds main's).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from failsafe.tooling.recovery.model import FORMAT


class DiffError(ValueError):
    """A base that is not a recovery model; one line for a person."""


def load(path: Path) -> list[dict[str, Any]]:
    """The models in ``path``: one JSON file, or every ``*.json`` model in a directory."""
    files = sorted(path.glob("*.json")) if path.is_dir() else [path]
    if not files or not all(p.exists() for p in files):
        raise DiffError(f"--diff {path}: expected a model written by `python -m failsafe recovery --output json`")
    models = []
    for file in files:
        try:
            document = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as error:
            raise DiffError(f"--diff {file}: not a JSON document ({error})") from None
        documents = document if isinstance(document, list) else [document]
        for item in documents:
            if not isinstance(item, dict) or item.get("format") != FORMAT:
                found = item.get("format") if isinstance(item, dict) else None
                raise DiffError(f"--diff {file}: format {found!r}: expected {FORMAT}")
            models.append(item)
    return models


def _text(cell: Mapping[str, Any] | None, what: str) -> str:
    if cell is None:
        return "(no cell)"
    if what == "rpo" and not cell.get("holds_data", True):
        return "n/a"
    bound = cell.get(what)
    return "not protected" if bound is None else str(bound["text"])


def _rpo_reason(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> str:
    def terms(cell: Mapping[str, Any] | None) -> dict[str, Mapping[str, Any]]:
        bound = (cell or {}).get("rpo") or {}
        return {t["key"]: t for t in bound.get("terms", [])}

    before, after = terms(old), terms(new)
    for key in [*after, *before]:
        a, b = before.get(key), after.get(key)
        if a is None or b is None or (a["minutes"], a["basis"]) != (b["minutes"], b["basis"]):
            term = b or a
            assert term is not None
            return str(term.get("why") or term["name"])
    return str((new or old or {}).get("reason", ""))


def _rto_reason(
    old: Mapping[str, Any] | None, new: Mapping[str, Any] | None, steps: tuple[dict[str, Any], dict[str, Any]]
) -> str:
    def durations(cell: Mapping[str, Any] | None, table: dict[str, Any]) -> dict[str, str]:
        ids = ((cell or {}).get("rto") or {}).get("steps", [])
        return {i: table[i]["duration"]["text"] for i in ids if i in table}

    before, after = durations(old, steps[0]), durations(new, steps[1])
    for step_id in [*after, *before]:
        if before.get(step_id) != after.get(step_id):
            name = (steps[1].get(step_id) or steps[0].get(step_id) or {}).get("name", step_id)
            return f"{name}: {before.get(step_id, 'no step')} -> {after.get(step_id, 'no step')}"
    return str((new or old or {}).get("reason", ""))


def changes(base: Mapping[str, Any], head: Mapping[str, Any]) -> list[str]:
    """The lines that say how ``head`` differs from ``base`` (one estate each)."""
    titles = {d["id"]: d["title"] for d in [*base.get("disruptions", []), *head.get("disruptions", [])]}
    old = {s["id"]: s for s in base.get("stores", [])}
    new = {s["id"]: s for s in head.get("stores", [])}
    steps = ({s["id"]: s for s in base.get("steps", [])}, {s["id"]: s for s in head.get("steps", [])})
    lines = []
    for store_id in [*new, *(s for s in old if s not in new)]:
        if store_id not in old:
            lines.append(f"{store_id}: new store ({new[store_id]['title']})")
            continue
        if store_id not in new:
            lines.append(f"{store_id}: no longer in the plans ({old[store_id]['title']})")
            continue
        for disruption in titles:
            a, b = old[store_id]["cells"].get(disruption), new[store_id]["cells"].get(disruption)
            where = f"{store_id}, {titles[disruption]}"
            if (a or {}).get("status") != (b or {}).get("status"):
                status = f"{(a or {}).get('status', 'no cell')} -> {(b or {}).get('status', 'no cell')}"
                lines.append(f"{where}: {status} ({(b or a or {}).get('reason', '')})")
                continue
            if _text(a, "rpo") != _text(b, "rpo"):
                lines.append(f"{where}: RPO {_text(a, 'rpo')} -> {_text(b, 'rpo')} ({_rpo_reason(a, b)})")
            if _text(a, "rto") != _text(b, "rto"):
                lines.append(f"{where}: RTO {_text(a, 'rto')} -> {_text(b, 'rto')} ({_rto_reason(a, b, steps)})")
    return lines


def compare(bases: Sequence[Mapping[str, Any]], heads: Sequence[Mapping[str, Any]]) -> list[str]:
    """Every estate of ``heads`` against the estate of the same name in ``bases``."""
    by_name = {b["estate"]: b for b in bases}
    lines = []
    for head in heads:
        base = by_name.get(head["estate"])
        if base is None:
            lines.append(f"estate {head['estate']}: not in the base (new estate)")
            continue
        lines += [f"{head['estate']}: {line}" if len(heads) > 1 else line for line in changes(base, head)]
    return lines


def markdown(lines: list[str]) -> str:
    if not lines:
        return "**Recovery numbers**: no change against the base.\n"
    return (
        "**Recovery numbers** that this change moves (against the base):\n\n"
        + "\n".join(f"- {line}" for line in lines)
        + "\n"
    )
