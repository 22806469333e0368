"""``failsafe-dr drill``: the game-day log.

A drill is a JSON log (``<dir>/current.json`` while it runs) of steps, each with name, start, end, who ran
it, outcome and notes. It is written after every change, so a crashed laptop loses nothing. ``finish``
writes ``<dir>/drill-<UTC start>.json`` and ``.md``: the measured RTO (first step's start to the last
step's end, wall clock, because that is what users live through) against the target
(``failsafe:rtoMinutes``), step by step, and the difference from the previous report in the same directory,
so the next game day knows which steps got slower.
"""

from __future__ import annotations

import getpass
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from failsafe.ops.errors import UsageError

OUTCOMES = ("ok", "failed", "skipped")
CURRENT = "current.json"
STAMP = "%Y%m%dT%H%M%SZ"
# The runbook's steps (docs/runbook.md), offered by `drill run` when no --step is given.
RUNBOOK_STEPS = (
    "declare incident and freeze prod deploys",
    "failsafe-dr verify (backup side)",
    "restore dr stack state if needed (scripts/restore-stack-state.sh dr)",
    "pulumi up -s dr",
    "restore prod stack state (scripts/restore-stack-state.sh prod)",
    "restore data: failsafe-dr restore s3, params, snapshot, recovery-point (--drill-dir times each)",
    "pulumi up -s prod",
    "DNS: failsafe-dr dns hold-dr / release --confirm-failback (data plane; dns wait times it)",
    "failsafe-dr verify (both sides)",
)


class DrillError(UsageError):
    """A drill command that cannot be done as asked; the message says what to do instead."""


def _now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def operator_name() -> str:
    return os.environ.get("FAILSAFE_OPERATOR") or getpass.getuser()


@dataclass
class Drill:
    directory: Path
    now: Callable[[], datetime] = _now

    @property
    def path(self) -> Path:
        return self.directory / CURRENT

    def load(self) -> dict[str, Any]:
        if not self.path.exists():
            raise DrillError(f"no drill in progress in {self.directory} (start one: failsafe-dr drill start)")
        log: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
        return log

    def save(self, log: dict[str, Any]) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(log, indent=2) + "\n", encoding="utf-8")
        tmp.replace(self.path)

    def start(
        self, title: str, rto_minutes: int, operator: str | None = None, stack: str | None = None
    ) -> dict[str, Any]:
        if self.path.exists():
            raise DrillError(f"a drill is already in progress ({self.path}); finish it first")
        log = {
            "title": title,
            "started": iso(self.now()),
            "operator": operator or operator_name(),
            "rto_minutes": rto_minutes,
            "stack": stack,
            "steps": [],
        }
        self.save(log)
        return log

    def begin(self, name: str, operator: str | None = None, notes: str = "") -> dict[str, Any]:
        log = self.load()
        running = [s for s in log["steps"] if s.get("ended") is None]
        if running:
            raise DrillError(f"step {running[0]['name']!r} is still running; end it first (drill step end)")
        step = {
            "name": name,
            "started": iso(self.now()),
            "ended": None,
            "operator": operator or log.get("operator") or operator_name(),
            "outcome": None,
            "notes": notes,
        }
        log["steps"].append(step)
        self.save(log)
        return step

    def end(self, outcome: str, notes: str = "") -> dict[str, Any]:
        if outcome not in OUTCOMES:
            raise DrillError(f"outcome {outcome!r}: expected one of {', '.join(OUTCOMES)}")
        log = self.load()
        running = [s for s in log["steps"] if s.get("ended") is None]
        if not running:
            raise DrillError("no step is running (drill step begin NAME)")
        step: dict[str, Any] = running[0]
        step.update(ended=iso(self.now()), outcome=outcome, notes="; ".join(n for n in (step.get("notes"), notes) if n))
        self.save(log)
        return step

    def add(
        self, name: str, started: str, ended: str, outcome: str, operator: str | None = None, notes: str = ""
    ) -> dict[str, Any]:
        """Record a step done elsewhere (times in ISO 8601, UTC if no offset)."""
        if outcome not in OUTCOMES:
            raise DrillError(f"outcome {outcome!r}: expected one of {', '.join(OUTCOMES)}")
        try:
            begin, finish = _parse(started), _parse(ended)
        except ValueError:
            raise DrillError(f"times {started!r}/{ended!r}: expected ISO 8601 such as 2026-11-23T02:00:00Z") from None
        if finish < begin:
            raise DrillError(f"step {name!r} ends ({ended}) before it starts ({started})")
        log = self.load()
        opened = _parse(log["started"])
        if begin < opened:
            raise DrillError(
                f"--started {started!r}: the drill started at {iso(opened)}; expected a step time at or after it "
                "(a step before the drill is not part of its measured RTO)"
            )
        step = {
            "name": name,
            "started": iso(begin),
            "ended": iso(finish),
            # the drill's operator unless told otherwise: a step typed in later by someone else is still the drill's
            "operator": operator or log.get("operator") or operator_name(),
            "outcome": outcome,
            "notes": notes,
        }
        log["steps"].append(step)
        self.save(log)
        return step

    def interactive(
        self, steps: tuple[str, ...], ask: Callable[[str], str] = input, say: Callable[[str], None] = print
    ) -> None:
        """Walk through steps: Enter starts a step, then an outcome (ok/failed/skipped) and notes end it.

        Standard input that ends (Ctrl-D, a closed pipe: ``input`` raises ``EOFError``, Python docs, built-in
        functions) stops the walk in one line: every answered step is already saved, and the line says whether the
        current one is still running and how to go on without the prompts."""
        for name in steps:
            try:
                self._walk_step(name, ask, say)
            except EOFError:
                running = any(s["name"] == name and s.get("ended") is None for s in self.load()["steps"])
                state = f"step {name!r} is still running: end it with `failsafe-dr drill step end --outcome ...`"
                raise DrillError(
                    f"standard input ended at step {name!r}; the steps before it are recorded; "
                    + (state if running else "go on with `failsafe-dr drill step begin/end`")
                ) from None

    def _walk_step(self, name: str, ask: Callable[[str], str], say: Callable[[str], None]) -> None:
        say(f"\nNext step: {name}")
        if ask("Enter to start, 's' to skip: ").strip().lower() == "s":
            self.begin(name)
            self.end("skipped")
            return
        self.begin(name)
        outcome = ""
        while outcome not in OUTCOMES:
            outcome = ask(f"'{name}' running. Outcome when done ({'/'.join(OUTCOMES)}): ").strip().lower() or "ok"
        self.end(outcome, ask("Notes (optional): ").strip())

    def finish(self, compare: Path | None = None) -> tuple[Path, Path, dict[str, Any]]:
        log = self.load()
        if any(s.get("ended") is None for s in log["steps"]):
            raise DrillError("a step is still running; end it before finishing (drill step end --outcome ...)")
        if not log["steps"]:
            raise DrillError("no steps recorded; nothing to report")
        log["finished"] = iso(self.now())
        report = summarise(log)
        previous = compare or newest_report(self.directory)
        if previous is not None:
            report["previous"] = compare_reports(
                report, json.loads(previous.read_text(encoding="utf-8")), previous.name
            )
        stamp = _parse(log["started"]).strftime(STAMP)
        json_path = self.directory / f"drill-{stamp}.json"
        md_path = json_path.with_suffix(".md")
        if json_path.exists():
            raise DrillError(f"{json_path} exists; reports are never overwritten")
        json_path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        md_path.write_text(markdown(report), encoding="utf-8")
        self.path.unlink()
        return json_path, md_path, report


def summarise(log: dict[str, Any]) -> dict[str, Any]:
    steps = []
    for s in log["steps"]:
        seconds = int((_parse(s["ended"]) - _parse(s["started"])).total_seconds())
        steps.append({**s, "seconds": seconds})
    first = min(_parse(s["started"]) for s in log["steps"])
    last = max(_parse(s["ended"]) for s in log["steps"])
    measured = int((last - first).total_seconds())
    target = int(log["rto_minutes"]) * 60
    return {
        **log,
        "steps": steps,
        "measured_rto_seconds": measured,
        "target_rto_seconds": target,
        "met_rto": measured <= target and all(s["outcome"] != "failed" for s in steps),
        "failed_steps": [s["name"] for s in steps if s["outcome"] == "failed"],
    }


def newest_report(directory: Path) -> Path | None:
    reports = sorted(directory.glob("drill-*.json"))
    return reports[-1] if reports else None


def compare_reports(report: dict[str, Any], previous: dict[str, Any], name: str) -> dict[str, Any]:
    before = {s["name"]: s["seconds"] for s in previous.get("steps", [])}
    return {
        "report": name,
        "measured_rto_seconds": previous.get("measured_rto_seconds"),
        "rto_delta_seconds": report["measured_rto_seconds"] - int(previous.get("measured_rto_seconds") or 0),
        "steps": {
            s["name"]: (s["seconds"] - before[s["name"]]) if s["name"] in before else None for s in report["steps"]
        },
    }


def _duration(seconds: int | None) -> str:
    if seconds is None:
        return "-"
    sign = "-" if seconds < 0 else ""
    return f"{sign}{timedelta(seconds=abs(seconds))}"


def markdown(report: dict[str, Any]) -> str:
    verdict = "MET" if report["met_rto"] else "MISSED"
    previous = report.get("previous")
    lines = [
        f"# DR drill: {report['title']}",
        "",
        f"- Started {report['started']} by {report['operator']}; finished {report['finished']}",
        f"- Measured RTO **{_duration(report['measured_rto_seconds'])}** against target "
        f"{_duration(report['target_rto_seconds'])}: **{verdict}**",
    ]
    if report["failed_steps"]:
        lines.append(f"- Failed steps: {', '.join(report['failed_steps'])}")
    if previous:
        lines.append(
            f"- Previous drill {previous['report']}: RTO {_duration(previous['measured_rto_seconds'])} "
            f"(change {_duration(previous['rto_delta_seconds'])})"
        )
    lines += [
        "",
        "| # | Step | Operator | Started | Ended | Duration | Outcome | vs previous | Notes |",
        "|---|------|----------|---------|-------|----------|---------|-------------|-------|",
    ]
    for n, s in enumerate(report["steps"], 1):
        delta = _duration(previous["steps"].get(s["name"])) if previous else "-"
        notes = (s.get("notes") or "").replace("|", "\\|")
        lines.append(
            f"| {n} | {s['name']} | {s['operator']} | {s['started']} | {s['ended']} | "
            f"{_duration(s['seconds'])} | {s['outcome']} | {delta} | {notes} |"
        )
    return "\n".join(lines) + "\n"
