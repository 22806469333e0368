"""The reaper destroys only on positive evidence: the PR is closed, or it is open and the stack's own expiry passed.

The Pulumi CLI and the GitHub API are replaced by fakes; the GitHub lookup is tested against a fake GitHub on
127.0.0.1 that answers open, closed, 404, 401, 5xx, garbage, or too slowly.
"""

from __future__ import annotations

import datetime as dt
import json
import socket
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from failsafe.ops import reaper
from failsafe.ops.reaper import PrState

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
TTL = dt.timedelta(hours=72)
OPEN, CLOSED = PrState("open"), PrState("closed")


def ago(hours: float) -> str:
    return (NOW - dt.timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def at(hours_from_now: float) -> dt.datetime:
    return NOW + dt.timedelta(hours=hours_from_now)


def run_reaper(
    stacks: list[dict],
    states: dict[int, PrState],
    expiries: dict[str, dt.datetime | None] | None = None,
    fail: frozenset[str] = frozenset(),
    dry_run: bool = False,
):
    destroyed: list[str] = []
    lines: list[str] = []

    def destroy(stack: str) -> None:
        if stack in fail:
            raise RuntimeError("pulumi destroy exited 255")
        destroyed.append(stack)

    verdicts, failed = reaper.reap(
        lambda: stacks,
        lambda n: states.get(n, PrState("unknown", "HTTP 404")),
        lambda stack: (expiries or {}).get(stack),
        destroy,
        NOW,
        TTL,
        dry_run=dry_run,
        log=lines.append,
    )
    return destroyed, failed, {v.stack: v for v in verdicts}, lines


def test_closed_prs_are_destroyed_open_unexpired_ones_kept() -> None:
    stacks = [{"name": "pr-1", "lastUpdate": ago(1)}, {"name": "pr-2", "lastUpdate": ago(1)}]
    destroyed, failed, verdicts, _ = run_reaper(stacks, {1: CLOSED, 2: OPEN}, {"pr-2": at(10)})
    assert destroyed == ["pr-1"], f"destroyed {destroyed}: {verdicts}"
    assert not failed and not verdicts["pr-2"].destroy and "expires in 10 h" in verdicts["pr-2"].reason


def test_open_pr_past_its_own_expiry_is_destroyed() -> None:
    destroyed, _, verdicts, _ = run_reaper([{"name": "pr-5", "lastUpdate": ago(3)}], {5: OPEN}, {"pr-5": at(-2)})
    assert destroyed == ["pr-5"], verdicts
    assert "expired 2 h ago (its expires-at tag)" in verdicts["pr-5"].reason


def test_each_stack_uses_its_own_ttl_not_the_templates() -> None:
    """pr-6 was deployed with previewTtlHours 240: 100 h after its deploy it is still within its TTL, although the
    template's 72 h have passed; pr-7 was deployed with 2 h and is due after 3 h."""
    stacks = [{"name": "pr-6", "lastUpdate": ago(100)}, {"name": "pr-7", "lastUpdate": ago(3)}]
    expiries = {"pr-6": at(140), "pr-7": at(-1)}
    destroyed, _, verdicts, _ = run_reaper(stacks, {6: OPEN, 7: OPEN}, expiries)
    assert destroyed == ["pr-7"], verdicts


def test_a_stack_without_an_expiry_tag_falls_back_to_last_update_plus_the_template_ttl() -> None:
    stacks = [{"name": "pr-8", "lastUpdate": ago(2)}, {"name": "pr-9", "lastUpdate": ago(80)}]
    destroyed, _, verdicts, _ = run_reaper(stacks, {8: OPEN, 9: OPEN})
    assert destroyed == ["pr-9"], verdicts
    assert "no expires-at tag: last update + 72 h" in verdicts["pr-9"].reason


@pytest.mark.parametrize(
    "detail", ["HTTP 404 from api: wrong --repo", "HTTP 401", "HTTP 502", "no answer: timed out", "connection refused"]
)
def test_without_an_answer_from_github_a_stack_is_kept_and_warned_about_even_past_its_ttl(detail: str) -> None:
    stacks = [{"name": "pr-3", "lastUpdate": ago(10_000)}]
    destroyed, _, verdicts, lines = run_reaper(stacks, {3: PrState("unknown", detail)}, {"pr-3": at(-9_000)})
    assert destroyed == [], f"destroyed without evidence: {verdicts}"
    assert verdicts["pr-3"].warning and detail in verdicts["pr-3"].reason
    assert lines == [f"::warning::pr-3: keeping (PR #3: state unknown ({detail}): kept)"], lines


def test_an_unreadable_state_keeps_an_open_prs_stack_and_warns() -> None:
    def broken(stack: str) -> dt.datetime | None:
        raise RuntimeError("pulumi stack export exited 255")

    verdicts, _ = reaper.reap(
        lambda: [{"name": "pr-4", "lastUpdate": ago(500)}],
        lambda n: OPEN,
        broken,
        lambda s: None,
        NOW,
        TTL,
        log=[].append,
    )
    assert not verdicts[0].destroy and verdicts[0].warning and "exited 255" in verdicts[0].reason


def test_org_qualified_names_are_understood() -> None:
    destroyed, _, _, _ = run_reaper([{"name": "example-org/failsafe/pr-9", "lastUpdate": ago(1)}], {9: CLOSED})
    assert destroyed == ["pr-9"]


@pytest.mark.parametrize("name", ["prod", "dr", "pr-", "pr-0", "pr-12a", "example-org/failsafe/prod", "xpr-4"])
def test_stacks_that_are_not_previews_are_never_touched(name: str) -> None:
    destroyed, _, verdicts, _ = run_reaper([{"name": name, "lastUpdate": ago(10_000)}], {})
    assert destroyed == [] and verdicts == {}, f"{name} was judged: {verdicts}"


def test_a_stack_being_updated_is_left_alone_even_when_its_pr_is_closed() -> None:
    destroyed, _, verdicts, _ = run_reaper(
        [{"name": "pr-7", "updateInProgress": True, "lastUpdate": ago(500)}], {7: CLOSED}
    )
    assert destroyed == [] and "update is running" in verdicts["pr-7"].reason


def test_never_deployed_stack_of_an_open_pr_is_kept() -> None:
    destroyed, _, _, _ = run_reaper([{"name": "pr-3"}], {3: OPEN})
    assert destroyed == []


def test_one_failure_does_not_stop_the_others_and_is_reported() -> None:
    stacks = [{"name": f"pr-{n}", "lastUpdate": ago(1)} for n in (1, 2, 3)]
    destroyed, failed, _, lines = run_reaper(stacks, dict.fromkeys((1, 2, 3), CLOSED), fail=frozenset({"pr-2"}))
    assert destroyed == ["pr-1", "pr-3"] and failed == ["pr-2"]
    assert any("pr-2: destroy failed" in line for line in lines), lines


def test_dry_run_destroys_nothing_but_says_what_it_would() -> None:
    destroyed, _, _, lines = run_reaper([{"name": "pr-1", "lastUpdate": ago(1)}], {1: CLOSED}, dry_run=True)
    assert destroyed == [] and lines == ["pr-1: would destroy (PR #1 is closed)"]


def export_with_tags(*expiries: str) -> dict:
    resources: list[dict] = [{"type": "pulumi:pulumi:Stack", "urn": "urn:stack", "outputs": {}}]
    resources += [
        {"type": "aws:lambda/function:Function", "inputs": {"tags": {reaper.EXPIRES_TAG: e}}, "outputs": {}}
        for e in expiries
    ]
    return {"version": 3, "deployment": {"manifest": {}, "resources": resources}}


def test_expiry_is_read_from_the_stacks_own_tags_in_its_state() -> None:
    export = export_with_tags("2026-11-24T12:00:00Z", "2026-11-25T12:00:00Z")
    assert reaper.expiry_from_export(export) == dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC)
    assert reaper.expiry_from_export(export_with_tags()) is None
    assert reaper.expiry_from_export({}) is None


def test_cli_adapters_list_export_and_destroy_with_the_expected_commands() -> None:
    calls: list[list[str]] = []

    def runner(command: Sequence[str]) -> str:
        calls.append(list(command))
        if command[:3] == ["pulumi", "stack", "ls"]:
            return json.dumps([{"name": "pr-4"}])
        if command[:3] == ["pulumi", "stack", "export"]:
            return json.dumps(export_with_tags("2026-11-24T12:00:00Z"))
        return ""

    assert reaper.pulumi_stack_lister(runner)() == [{"name": "pr-4"}]
    assert reaper.pulumi_expiry_reader(runner)("pr-4") == dt.datetime(2026, 11, 24, 12, tzinfo=dt.UTC)
    assert calls[1] == ["pulumi", "stack", "export", "--stack", "pr-4"], "tags are not secret: no --show-secrets"
    reaper.pulumi_destroyer(runner, workdir="/w")("pr-4")
    assert calls[2] == [sys.executable, "-m", "failsafe", "preview-config", "4", "--dir", "/w"]
    assert calls[3][:4] == ["pulumi", "destroy", "--stack", "pr-4"] and "--yes" in calls[3]
    assert calls[4][:4] == ["pulumi", "stack", "rm", "pr-4"]
    with pytest.raises(ValueError, match="not a preview stack"):
        reaper.pulumi_destroyer(runner)("prod")


# --- a fake GitHub on 127.0.0.1 ------------------------------------------------------------------------------

SLOW_PR = 504_000  # answers after the client's timeout
GARBAGE_PR = 418


class _FakeGitHub(BaseHTTPRequestHandler):
    pulls: ClassVar[dict[int, str]] = {1: "open", 2: "closed"}
    status: ClassVar[dict[int, int]] = {401: 401, 403: 403, 500: 500, 502: 502, 503: 503}

    def _send(self, code: int, body: bytes = b"") -> None:
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # the stdlib's name
        if not self.path.startswith("/repos/o/r/pulls/"):
            self._send(404, b'{"message": "Not Found"}')
            return
        if self.headers.get("Authorization") != "Bearer t0ken":
            self._send(401, b'{"message": "Bad credentials"}')
            return
        number = int(self.path.rsplit("/", 1)[-1])
        if number == SLOW_PR:
            time.sleep(1.5)
        if number in self.status:
            self._send(self.status[number], b'{"message": "error"}')
        elif number == GARBAGE_PR:
            self._send(200, b"<html>not json</html>")
        elif number in self.pulls:
            self._send(200, json.dumps({"number": number, "state": self.pulls[number]}).encode())
        else:
            self._send(404, b'{"message": "Not Found"}')

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def github_api() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeGitHub)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def closed_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"  # nothing listens there any more: connection refused


def test_only_an_open_or_closed_answer_is_evidence(github_api: str) -> None:
    lookup = reaper.github_pr_lookup("o/r", "t0ken", api=github_api, timeout=0.5)
    assert lookup(1) == OPEN and lookup(2) == CLOSED
    for number, expected in [
        (3, "HTTP 404"),
        (401, "HTTP 401"),
        (403, "HTTP 403"),
        (500, "HTTP 500"),
        (502, "HTTP 502"),
        (503, "HTTP 503"),
        (GARBAGE_PR, "unreadable answer"),
        (SLOW_PR, "no answer"),
    ]:
        answer = lookup(number)
        assert not answer.known and expected in answer.detail, f"PR {number}: {answer}"


def test_a_wrong_repo_or_a_missing_token_is_unknown_not_missing(github_api: str) -> None:
    assert "wrong --repo" in reaper.github_pr_lookup("o/typo", "t0ken", api=github_api)(2).detail
    assert reaper.github_pr_lookup("o/r", None, api=github_api)(2).state == "unknown"
    refused = reaper.github_pr_lookup("o/r", "t0ken", api=closed_port(), timeout=0.5)(2)
    assert refused.state == "unknown" and "no answer" in refused.detail


@pytest.mark.parametrize(
    ("repo", "token", "numbers"),
    [
        ("o/typo", "t0ken", [2, 3]),  # 404 for every PR: a wrong --repo
        ("o/r", None, [2, 3]),  # 401: no token
        ("o/r", "t0ken", [500, 503]),  # GitHub errors
        ("o/r", "t0ken", [SLOW_PR]),  # timeout
    ],
    ids=["404-wrong-repo", "401-no-token", "5xx", "timeout"],
)
def test_main_keeps_every_expired_preview_when_github_gives_no_evidence(
    github_api: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], repo, token, numbers
) -> None:
    """End to end through main(): stacks long past their TTL, GitHub answering nothing useful: nothing destroyed,
    every stack warned about, and the run fails so someone looks."""
    calls: list[list[str]] = []
    stacks = [{"name": f"pr-{n}", "lastUpdate": "2020-01-01T00:00:00.000Z"} for n in numbers]

    def runner(command: Sequence[str]) -> str:
        calls.append(list(command))
        if command[:3] == ["pulumi", "stack", "ls"]:
            return json.dumps(stacks)
        if command[:3] == ["pulumi", "stack", "export"]:
            return json.dumps(export_with_tags("2020-01-04T00:00:00Z"))
        return ""

    monkeypatch.setattr(reaper, "github_pr_lookup", _short_timeout(reaper.github_pr_lookup))
    if token:
        monkeypatch.setenv("GITHUB_TOKEN", token)
    else:
        monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    code = reaper.main(["--repo", repo, "--api-url", github_api, "--ttl-hours", "72"], runner=runner)
    out = capsys.readouterr().out
    assert code == 1, out
    assert not [c for c in calls if c[:2] == ["pulumi", "destroy"] or c[:3] == ["pulumi", "stack", "rm"]], calls
    assert out.count("::warning::") == len(numbers), out


def test_main_destroys_a_closed_prs_stack_and_keeps_an_open_unexpired_one(
    github_api: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[list[str]] = []
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M:%SZ")

    def runner(command: Sequence[str]) -> str:
        calls.append(list(command))
        if command[:3] == ["pulumi", "stack", "ls"]:
            return json.dumps([{"name": "pr-1", "lastUpdate": "2020-01-01T00:00:00Z"}, {"name": "pr-2"}])
        if command[:3] == ["pulumi", "stack", "export"]:
            return json.dumps(export_with_tags(future))
        return ""

    monkeypatch.setenv("GITHUB_TOKEN", "t0ken")
    assert reaper.main(["--repo", "o/r", "--api-url", github_api, "--ttl-hours", "72"], runner=runner) == 0
    destroyed = [c[3] for c in calls if c[:2] == ["pulumi", "destroy"]]
    assert destroyed == ["pr-2"], capsys.readouterr().out


def _short_timeout(lookup):
    return lambda repo, token, api=reaper.DEFAULT_API, timeout=20: lookup(repo, token, api=api, timeout=0.5)


def test_the_fallback_ttl_defaults_to_the_preview_templates() -> None:
    assert reaper.default_ttl_hours() == 72
