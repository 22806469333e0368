"""The preview reaper: destroys preview stacks whose pull request is closed, or that outlived their own TTL.

The close event of a PR normally destroys its stack (.github/workflows/preview.yml); the reaper catches
what that missed (a failed run, a cancelled workflow, a PR left open for weeks). It only ever touches
stacks named ``pr-<number>``: prod and dr can never match.

It destroys only on positive evidence: GitHub answered that the PR is closed, or GitHub answered that it is
open and the stack's own expiry (its ``failsafe:expires-at`` tag: deploy time + that stack's
``previewTtlHours``) has passed. Every other answer (404 from a wrong ``--repo`` or a private repository
without a token, 401/403, 5xx, a timeout, a body that does not parse) keeps the stack and warns: a
misconfigured reaper must never reap every preview.

    python -m failsafe.ops.reaper --repo owner/repo             # destroy what is due (scheduled workflow)
    python -m failsafe.ops.reaper --repo owner/repo --dry-run   # only say what is due

The Pulumi CLI and the GitHub API are behind small callables (``StackLister``, ``ExpiryReader``, ``PrLookup``,
``Destroyer``), so the decision logic is tested without either.
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
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from failsafe.ops.errors import EXIT_FAILED, EXIT_OK

PREVIEW_STACK = re.compile(r"^pr-([1-9]\d*)$")
EXPIRES_TAG = "failsafe:expires-at"  # PreviewFunction tags every resource with deploy time + the stack's TTL
DEFAULT_API = "https://api.github.com"


@dataclass(frozen=True)
class PrState:
    """GitHub's answer about one PR: ``open`` or ``closed`` (evidence), or ``unknown`` with what went wrong."""

    state: str
    detail: str = ""

    @property
    def known(self) -> bool:
        return self.state in ("open", "closed")


StackLister = Callable[[], list[dict[str, Any]]]  # entries of `pulumi stack ls --json`
ExpiryReader = Callable[[str], dt.datetime | None]  # a stack's expiry from its own tags; None when it has none
PrLookup = Callable[[int], PrState]
Destroyer = Callable[[str], None]  # destroys and removes one stack; raises on failure
Runner = Callable[[Sequence[str]], str]  # runs a command, returns stdout, raises on non-zero exit


@dataclass(frozen=True)
class Verdict:
    stack: str
    pr_number: int
    destroy: bool
    reason: str
    warning: bool = False  # kept because the evidence was missing: someone should look


def _parse_time(value: object) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _hours(delta: dt.timedelta) -> int:
    return int(delta.total_seconds() // 3600)


def judge(
    entry: dict[str, Any],
    pr_state: PrLookup,
    expiry: ExpiryReader,
    now: dt.datetime,
    fallback_ttl: dt.timedelta,
) -> Verdict | None:
    """The verdict on one `pulumi stack ls` entry; None for stacks that are not previews.

    ``fallback_ttl`` applies only to a deployed stack without an expires-at tag (deployed before the tag existed).
    """
    name = str(entry.get("name", "")).rsplit("/", 1)[-1]  # org/project/stack or stack
    match = PREVIEW_STACK.match(name)
    if not match:
        return None
    number = int(match.group(1))
    if entry.get("updateInProgress"):
        return Verdict(name, number, False, "an update is running: next time")
    answer = pr_state(number)
    if not answer.known:
        return Verdict(
            name, number, False, f"PR #{number}: state unknown ({answer.detail or 'no answer'}): kept", warning=True
        )
    if answer.state == "closed":
        return Verdict(name, number, True, f"PR #{number} is closed")
    try:
        expires = expiry(name)
    except Exception as error:  # the state could not be read: no evidence of expiry
        return Verdict(name, number, False, f"PR #{number} is open; expiry unreadable ({error}): kept", warning=True)
    source = "its expires-at tag"
    if expires is None:
        updated = _parse_time(entry.get("lastUpdate"))
        if updated is None:
            return Verdict(name, number, False, f"PR #{number} is open; never deployed, nothing to expire")
        expires = updated + fallback_ttl
        source = f"no expires-at tag: last update + {_hours(fallback_ttl)} h"
    if now >= expires:
        return Verdict(name, number, True, f"PR #{number} is open but expired {_hours(now - expires)} h ago ({source})")
    return Verdict(name, number, False, f"PR #{number} is open, expires in {_hours(expires - now)} h ({source})")


def reap(
    list_stacks: StackLister,
    pr_state: PrLookup,
    expiry: ExpiryReader,
    destroy: Destroyer,
    now: dt.datetime,
    fallback_ttl: dt.timedelta,
    dry_run: bool = False,
    log: Callable[[str], None] = print,
) -> tuple[list[Verdict], list[str]]:
    """Judge every preview stack and destroy those due; returns the verdicts and the stacks that failed.

    One failure does not stop the others: a stuck stack must not keep every other one alive. A stack kept for want
    of evidence is logged as a GitHub Actions warning annotation, so it shows on the run's summary.
    """
    verdicts = [v for v in (judge(e, pr_state, expiry, now, fallback_ttl) for e in list_stacks()) if v is not None]
    failed: list[str] = []
    for verdict in sorted(verdicts, key=lambda v: v.pr_number):
        action = ("would destroy" if dry_run else "destroying") if verdict.destroy else "keeping"
        prefix = "::warning::" if verdict.warning else ""
        log(f"{prefix}{verdict.stack}: {action} ({verdict.reason})")
        if verdict.destroy and not dry_run:
            try:
                destroy(verdict.stack)
            except Exception as error:  # reported; the exit code says so
                failed.append(verdict.stack)
                log(f"::error::{verdict.stack}: destroy failed: {error}")
    return verdicts, failed


# --- adapters: the Pulumi CLI and the GitHub API ------------------------------------------------------


def run(command: Sequence[str]) -> str:
    result = subprocess.run(list(command), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {result.returncode}: {result.stderr.strip()[-2000:]}")
    return result.stdout


def pulumi_stack_lister(runner: Runner = run) -> StackLister:
    return lambda: list(json.loads(runner(["pulumi", "stack", "ls", "--json"]) or "[]"))


def _tag_values(resource: dict[str, Any]) -> Iterator[object]:
    for section in ("outputs", "inputs"):
        props = resource.get(section)
        if not isinstance(props, dict):
            continue
        for key in ("tags", "tagsAll"):
            tags = props.get(key)
            if isinstance(tags, dict) and EXPIRES_TAG in tags:
                yield tags[EXPIRES_TAG]


def expiry_from_export(export: dict[str, Any]) -> dt.datetime | None:
    """The latest expires-at tag in a `pulumi stack export` document (one deploy tags every resource alike)."""
    resources = (export.get("deployment") or {}).get("resources") or []
    found = [t for r in resources if isinstance(r, dict) for t in map(_parse_time, _tag_values(r)) if t is not None]
    return max(found, default=None)


def pulumi_expiry_reader(runner: Runner = run) -> ExpiryReader:
    """Reads the stack's own expiry from its state (tags are never secret, so no --show-secrets)."""

    def expiry(stack: str) -> dt.datetime | None:
        return expiry_from_export(json.loads(runner(["pulumi", "stack", "export", "--stack", stack]) or "{}"))

    return expiry


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


_HTTP_HINTS = {
    401: "the token was refused",
    403: "the token may not read pull requests, or a rate limit",
    404: "wrong --repo, or a private repository without a token allowed pull-requests: read",
}


def github_pr_lookup(repository: str, token: str | None, api: str = DEFAULT_API, timeout: float = 20) -> PrLookup:
    """Asks GitHub for one PR's state. Only a 200 with ``state`` open or closed is evidence; all else is unknown."""

    def state(number: int) -> PrState:
        request = urllib.request.Request(f"{api.rstrip('/')}/repos/{repository}/pulls/{number}")
        request.add_header("Accept", "application/vnd.github+json")
        request.add_header("X-GitHub-Api-Version", "2022-11-28")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                body = json.load(response)
        except urllib.error.HTTPError as error:
            hint = _HTTP_HINTS.get(error.code, "GitHub error" if error.code >= 500 else "unexpected answer")
            return PrState("unknown", f"HTTP {error.code} from {api}: {hint}")
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            return PrState("unknown", f"no answer from {api}: {error}")
        except ValueError as error:
            return PrState("unknown", f"unreadable answer from {api}: {error}")
        found = body.get("state") if isinstance(body, dict) else None
        if found in ("open", "closed"):
            return PrState(found)
        return PrState("unknown", f"answer from {api} without an open/closed state: {found!r}")

    return state


def default_ttl_hours() -> int:
    """The TTL of the preview template (previewTtlHours): only for stacks deployed without an expires-at tag."""
    from failsafe.ops.stackconfig import load_config

    cfg = load_config("pr-1")
    assert cfg.preview is not None
    return int(cfg.preview.ttl_hours)


def main(argv: Sequence[str] | None = None, runner: Runner = run) -> int:
    parser = argparse.ArgumentParser(prog="python -m failsafe.ops.reaper", description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", default=os.environ.get("GITHUB_REPOSITORY"), help="owner/repo of the PRs")
    parser.add_argument(
        "--api-url",
        default=os.environ.get("GITHUB_API_URL") or DEFAULT_API,
        help="GitHub API base URL (default: $GITHUB_API_URL, else https://api.github.com)",
    )
    parser.add_argument(
        "--ttl-hours",
        type=int,
        default=None,
        help="for stacks without an expires-at tag only (default: previewTtlHours of the template)",
    )
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args(argv)
    if not args.repo or not re.fullmatch(r"[\w.-]+/[\w.-]+", args.repo):
        parser.error(f"--repo owner/repo (or GITHUB_REPOSITORY) is required, got {args.repo!r}")
    verdicts, failed = reap(
        pulumi_stack_lister(runner),
        github_pr_lookup(args.repo, os.environ.get("GITHUB_TOKEN"), api=args.api_url),
        pulumi_expiry_reader(runner),
        pulumi_destroyer(runner),
        now=dt.datetime.now(dt.UTC),
        fallback_ttl=dt.timedelta(hours=args.ttl_hours or default_ttl_hours()),
        dry_run=args.dry_run,
    )
    asked = [v for v in verdicts if not v.reason.startswith("an update is running")]
    if asked and all(v.warning for v in asked):
        print(f"::error::no evidence for any of {len(asked)} previews (see the warnings): check --repo and the token")
        return EXIT_FAILED
    return EXIT_FAILED if failed else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
