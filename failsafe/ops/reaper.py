"""The preview reaper: destroys preview stacks whose pull request is closed, or that outlived their TTL.

The close event of a PR normally destroys its stack (.github/workflows/preview.yml); the reaper catches
what that missed (a failed run, a cancelled workflow, a PR left open for weeks). It only ever touches
stacks named ``pr-<number>``: prod and dr can never match.

    python -m failsafe.ops.reaper --repo owner/repo             # destroy what is due (scheduled workflow)
    python -m failsafe.ops.reaper --repo owner/repo --dry-run   # only say what is due

The Pulumi CLI and the GitHub API are behind small callables (``StackLister``, ``PrLookup``, ``Destroyer``),
so the decision logic is tested without either.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass

PREVIEW_STACK = re.compile(r"^pr-([1-9]\d*)$")

StackLister = Callable[[], list[dict]]  # entries of `pulumi stack ls --json`
PrLookup = Callable[[int], str]  # "open", "closed", "missing" or "unknown"
Destroyer = Callable[[str], None]  # destroys and removes one stack; raises on failure
Runner = Callable[[Sequence[str]], str]  # runs a command, returns stdout, raises on non-zero exit


@dataclass(frozen=True)
class Verdict:
    stack: str
    pr_number: int
    destroy: bool
    reason: str


def _parse_time(value: object) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def judge(entry: dict, pr_state: PrLookup, now: dt.datetime, ttl: dt.timedelta) -> Verdict | None:
    """The verdict on one `pulumi stack ls` entry; None for stacks that are not previews."""
    name = str(entry.get("name", "")).rsplit("/", 1)[-1]  # org/project/stack or stack
    match = PREVIEW_STACK.match(name)
    if not match:
        return None
    number = int(match.group(1))
    if entry.get("updateInProgress"):
        return Verdict(name, number, False, "an update is running: next time")
    state = pr_state(number)
    if state in ("closed", "missing"):
        return Verdict(name, number, True, f"PR #{number} is {state}")
    updated = _parse_time(entry.get("lastUpdate"))
    if updated is not None and now - updated > ttl:
        hours = int((now - updated).total_seconds() // 3600)
        return Verdict(name, number, True, f"last deployed {hours} h ago, TTL {int(ttl.total_seconds() // 3600)} h")
    if state == "unknown":
        return Verdict(name, number, False, f"PR #{number}: state unknown (GitHub API), within TTL: kept")
    return Verdict(name, number, False, f"PR #{number} is open and within TTL")


def reap(
    list_stacks: StackLister,
    pr_state: PrLookup,
    destroy: Destroyer,
    now: dt.datetime,
    ttl: dt.timedelta,
    dry_run: bool = False,
    log: Callable[[str], None] = print,
) -> tuple[list[Verdict], list[str]]:
    """Judge every preview stack and destroy those due; returns the verdicts and the stacks that failed.

    One failure does not stop the others: a stuck stack must not keep every other one alive.
    """
    verdicts = [v for v in (judge(e, pr_state, now, ttl) for e in list_stacks()) if v is not None]
    failed: list[str] = []
    for verdict in sorted(verdicts, key=lambda v: v.pr_number):
        action = ("would destroy" if dry_run else "destroying") if verdict.destroy else "keeping"
        log(f"{verdict.stack}: {action} ({verdict.reason})")
        if verdict.destroy and not dry_run:
            try:
                destroy(verdict.stack)
            except Exception as error:  # reported; the exit code says so
                failed.append(verdict.stack)
                log(f"{verdict.stack}: destroy failed: {error}")
    return verdicts, failed


# --- adapters: the Pulumi CLI and the GitHub API ------------------------------------------------------


def run(command: Sequence[str]) -> str:
    result = subprocess.run(list(command), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {result.returncode}: {result.stderr.strip()[-2000:]}")
    return result.stdout


def pulumi_stack_lister(runner: Runner = run) -> StackLister:
    return lambda: list(json.loads(runner(["pulumi", "stack", "ls", "--json"]) or "[]"))


def pulumi_destroyer(runner: Runner = run, workdir: str = ".") -> Destroyer:
    """Destroy then remove the stack; the stack file is regenerated first (the program's config needs it)."""

    def destroy(stack: str) -> None:
        number = PREVIEW_STACK.match(stack)
        if not number:  # belt and braces: judge() already filters
            raise ValueError(f"refusing to destroy {stack!r}: not a preview stack")
        runner([sys.executable, "-m", "failsafe", "preview-config", number.group(1), "--dir", workdir])
        runner(["pulumi", "destroy", "--stack", stack, "--yes", "--non-interactive", "--skip-preview"])
        runner(["pulumi", "stack", "rm", stack, "--yes", "--non-interactive"])

    return destroy


def github_pr_lookup(repository: str, token: str | None, api: str = "https://api.github.com") -> PrLookup:
    def state(number: int) -> str:
        request = urllib.request.Request(f"{api}/repos/{repository}/pulls/{number}")
        request.add_header("Accept", "application/vnd.github+json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                return "open" if json.load(response).get("state") == "open" else "closed"
        except urllib.error.HTTPError as error:
            return "missing" if error.code == 404 else "unknown"
        except (urllib.error.URLError, TimeoutError, ValueError):
            return "unknown"

    return state


def default_ttl_hours() -> int:
    """The TTL of the preview template (previewTtlHours), so the reaper and the stacks agree."""
    from failsafe.ops.cli import load_config

    cfg = load_config("pr-1")
    assert cfg.preview is not None
    return cfg.preview.ttl_hours


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m failsafe.ops.reaper", description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", default=os.environ.get("GITHUB_REPOSITORY"), help="owner/repo of the PRs")
    parser.add_argument("--ttl-hours", type=int, default=None, help="default: previewTtlHours of the template")
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args(argv)
    if not args.repo:
        parser.error("--repo owner/repo (or GITHUB_REPOSITORY) is required")
    ttl = dt.timedelta(hours=args.ttl_hours or default_ttl_hours())
    _, failed = reap(
        pulumi_stack_lister(),
        github_pr_lookup(args.repo, os.environ.get("GITHUB_TOKEN")),
        pulumi_destroyer(),
        now=dt.datetime.now(dt.UTC),
        ttl=ttl,
        dry_run=args.dry_run,
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
