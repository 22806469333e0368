"""The reaper's decisions, with the Pulumi CLI and the GitHub API replaced by fakes (and a loopback API)."""

from __future__ import annotations

import datetime as dt
import json
import sys
import threading
from collections.abc import Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from failsafe.ops import reaper

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
TTL = dt.timedelta(hours=72)


def ago(hours: float) -> str:
    return (NOW - dt.timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def run_reaper(stacks: list[dict], states: dict[int, str], fail: set[str] = frozenset(), dry_run: bool = False):
    destroyed: list[str] = []
    lines: list[str] = []

    def destroy(stack: str) -> None:
        if stack in fail:
            raise RuntimeError("pulumi destroy exited 255")
        destroyed.append(stack)

    verdicts, failed = reaper.reap(
        lambda: stacks, lambda n: states.get(n, "missing"), destroy, NOW, TTL, dry_run=dry_run, log=lines.append
    )
    return destroyed, failed, {v.stack: v for v in verdicts}, lines


def test_closed_and_missing_prs_are_destroyed_open_recent_ones_kept() -> None:
    stacks = [
        {"name": "pr-1", "lastUpdate": ago(1)},
        {"name": "pr-2", "lastUpdate": ago(1)},
        {"name": "pr-3", "lastUpdate": ago(1)},
    ]
    destroyed, failed, verdicts, _ = run_reaper(stacks, {1: "closed", 2: "open"})
    assert destroyed == ["pr-1", "pr-3"], f"destroyed {destroyed}: {verdicts}"
    assert not failed and not verdicts["pr-2"].destroy


def test_open_pr_older_than_the_ttl_is_destroyed() -> None:
    destroyed, _, verdicts, _ = run_reaper([{"name": "pr-5", "lastUpdate": ago(73)}], {5: "open"})
    assert destroyed == ["pr-5"], verdicts
    assert "TTL 72 h" in verdicts["pr-5"].reason


def test_org_qualified_names_are_understood() -> None:
    destroyed, _, _, _ = run_reaper([{"name": "example-org/failsafe/pr-9", "lastUpdate": ago(1)}], {9: "closed"})
    assert destroyed == ["pr-9"]


@pytest.mark.parametrize("name", ["prod", "dr", "pr-", "pr-0", "pr-12a", "example-org/failsafe/prod", "xpr-4"])
def test_stacks_that_are_not_previews_are_never_touched(name: str) -> None:
    destroyed, _, verdicts, _ = run_reaper([{"name": name, "lastUpdate": ago(10_000)}], {})
    assert destroyed == [] and verdicts == {}, f"{name} was judged: {verdicts}"


def test_a_stack_being_updated_is_left_alone_even_when_its_pr_is_closed() -> None:
    destroyed, _, verdicts, _ = run_reaper(
        [{"name": "pr-7", "updateInProgress": True, "lastUpdate": ago(500)}], {7: "closed"}
    )
    assert destroyed == [] and "update is running" in verdicts["pr-7"].reason


def test_unknown_pr_state_keeps_the_stack_within_ttl_but_not_beyond() -> None:
    destroyed, _, _, _ = run_reaper(
        [{"name": "pr-8", "lastUpdate": ago(2)}, {"name": "pr-9", "lastUpdate": ago(80)}], {8: "unknown", 9: "unknown"}
    )
    assert destroyed == ["pr-9"]


def test_never_deployed_stack_of_an_open_pr_is_kept() -> None:
    destroyed, _, _, _ = run_reaper([{"name": "pr-3"}], {3: "open"})
    assert destroyed == []


def test_one_failure_does_not_stop_the_others_and_is_reported() -> None:
    stacks = [{"name": f"pr-{n}", "lastUpdate": ago(1)} for n in (1, 2, 3)]
    destroyed, failed, _, lines = run_reaper(stacks, {}, fail={"pr-2"})
    assert destroyed == ["pr-1", "pr-3"] and failed == ["pr-2"]
    assert any("pr-2: destroy failed" in line for line in lines), lines


def test_dry_run_destroys_nothing_but_says_what_it_would() -> None:
    destroyed, _, _, lines = run_reaper([{"name": "pr-1", "lastUpdate": ago(1)}], {1: "closed"}, dry_run=True)
    assert destroyed == [] and lines == ["pr-1: would destroy (PR #1 is closed)"]


def test_cli_adapters_list_and_destroy_with_the_expected_commands() -> None:
    calls: list[list[str]] = []

    def runner(command: Sequence[str]) -> str:
        calls.append(list(command))
        return json.dumps([{"name": "pr-4"}]) if command[:3] == ["pulumi", "stack", "ls"] else ""

    assert reaper.pulumi_stack_lister(runner)() == [{"name": "pr-4"}]
    reaper.pulumi_destroyer(runner, workdir="/w")("pr-4")
    assert calls[1] == [sys.executable, "-m", "failsafe", "preview-config", "4", "--dir", "/w"]
    assert calls[2][:4] == ["pulumi", "destroy", "--stack", "pr-4"] and "--yes" in calls[2]
    assert calls[3][:4] == ["pulumi", "stack", "rm", "pr-4"]
    with pytest.raises(ValueError, match="not a preview stack"):
        reaper.pulumi_destroyer(runner)("prod")


class _FakeGitHub(BaseHTTPRequestHandler):
    pulls: ClassVar[dict[int, str]] = {1: "open", 2: "closed"}

    def do_GET(self) -> None:  # the stdlib's name
        number = int(self.path.rsplit("/", 1)[-1])
        if self.headers.get("Authorization") != "Bearer t0ken":
            self.send_response(401)
            self.end_headers()
            return
        if number == 500:
            self.send_response(502)
            self.end_headers()
            return
        if number not in self.pulls:
            self.send_response(404)
            self.end_headers()
            return
        body = json.dumps({"number": number, "state": self.pulls[number]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def github_api() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeGitHub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_github_lookup_maps_pr_states_over_http(github_api: str) -> None:
    lookup = reaper.github_pr_lookup("o/r", "t0ken", api=github_api)
    assert [lookup(n) for n in (1, 2, 3, 500)] == ["open", "closed", "missing", "unknown"]


def test_ttl_defaults_to_the_preview_templates() -> None:
    assert reaper.default_ttl_hours() == 72
