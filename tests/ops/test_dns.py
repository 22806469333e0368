"""``failsafe-dr dns`` against a moto server: hold-dr and release flip the switch with data-plane calls only (every API
call is recorded and compared with the list in failsafe/ops/dns.py and docs/dns-failover.md), failback needs
``--confirm-failback``, credentials of another account are refused, and the verify checks judge the switch, the alarm
topic and the secondary's answer.

moto implements STS, CloudWatch metric data, SNS and Route 53 record sets; it has no Route 53 health-check status
(checkers do not run), so that one call is a stub, as in tests/ops/test_verify.py. DNS answers come from a stub
resolver: the tests do not reach the internet."""

from __future__ import annotations

import argparse
import http.server
import re
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from failsafe.ops import aws, dns, drill
from failsafe.ops.errors import EXIT_FAILED, EXIT_USAGE
from tests.support.moto import BACKUP, account_session

pytestmark = pytest.mark.usefixtures("shared_models", "quick_kms_keys")  # tests/support/moto.py

ROOT = Path(__file__).resolve().parents[2]
CFG = dns.load_config("prod")
SWITCH = dns.Switch.from_config(CFG)


class Calls:
    """Every (service, operation) sent by the clients the commands make (through :func:`failsafe.ops.aws.client`,
    the one client factory), in every account."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.made: list[tuple[str, str]] = []
        real = aws.client

        def client(sess: Any, service: str, region: str | None = None, **kwargs: Any) -> Any:
            made = real(sess, service, region, **kwargs)

            def record(model: Any, **_: Any) -> None:
                self.made.append((model.service_model.service_name, model.name))

            made.meta.events.register("before-call", record)
            return made

        monkeypatch.setattr(aws, "client", client)


@pytest.fixture
def calls(moto: str, profiles: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Calls:
    """The operator's profiles (``operator`` is the hosted zone's account, ``backup-operator`` the backup account's),
    and a recorder of every call."""
    assert profiles["operator"] == CFG.accounts.dns and profiles["backup-operator"] == BACKUP
    return Calls(monkeypatch)


@pytest.fixture
def run(failsafe_dr: Callable[..., Any]) -> Callable[..., Any]:
    """``run("hold-dr", ...)``: ``failsafe-dr dns hold-dr ...`` through the real ``main``."""
    return lambda *argv: failsafe_dr("dns", *argv)


def switch_value() -> float | None:
    cloudwatch = account_session(CFG.accounts.dns, SWITCH.region).client("cloudwatch")
    point = dns.read_switch(cloudwatch, SWITCH)
    return None if point is None else point[1]


# --- hold-dr / release ------------------------------------------------------------------------------------------


def test_hold_dr_writes_the_switch_with_data_plane_calls_only(calls: Calls, run: Callable[..., Any]) -> None:
    assert switch_value() is None
    held = run("hold-dr", "--profile", "operator")
    assert held.code == 0, held.err
    assert switch_value() == dns.HOLD
    assert set(calls.made) <= dns.DATA_PLANE_APIS, f"hold-dr called outside the data plane: {calls.made}"
    assert ("cloudwatch", "PutMetricData") in calls.made
    assert not [c for c in calls.made if c[0] == "route53"], calls.made
    out = held.out
    assert out.startswith("caller: arn:aws:") and f":{CFG.accounts.dns}:" in out, f"caller ARN not printed first: {out}"


def test_release_without_confirm_failback_is_refused_and_writes_nothing(calls: Calls, run: Callable[..., Any]) -> None:
    run("hold-dr", "--profile", "operator")
    calls.made.clear()
    refused = run("release", "--profile", "operator")
    assert refused.code == EXIT_USAGE
    err = refused.err.strip()
    assert len(err.splitlines()) == 1 and "--confirm-failback" in err and "did DR take writes" in err, err
    assert calls.made == [], "a refused release must not touch AWS"
    assert switch_value() == dns.HOLD


def test_release_with_confirm_failback_writes_zero_with_data_plane_calls_only(
    calls: Calls, run: Callable[..., Any]
) -> None:
    run("hold-dr", "--profile", "operator")
    calls.made.clear()
    released = run("release", "--profile", "operator", "--confirm-failback")
    assert released.code == 0, released.err
    assert switch_value() == dns.RELEASE
    assert set(calls.made) <= dns.DATA_PLANE_APIS, f"release called outside the data plane: {calls.made}"
    assert "switch before: HELD on DR" in released.out


def test_credentials_of_another_account_are_refused_before_any_write(calls: Calls, run: Callable[..., Any]) -> None:
    refused = run("hold-dr", "--profile", "backup-operator")
    assert refused.code == EXIT_USAGE
    assert "wrong account" in refused.err and BACKUP in refused.err and "dnsAccountId" in refused.err, refused.err
    assert ("cloudwatch", "PutMetricData") not in calls.made
    assert switch_value() is None


def test_hold_and_release_need_a_profile(run: Callable[..., Any]) -> None:
    for command in ("hold-dr", "release"):
        with pytest.raises(SystemExit) as stopped:
            run(command)
        assert stopped.value.code == EXIT_USAGE, command


def test_status_reads_the_switch_and_the_answer_with_data_plane_calls_only(
    calls: Calls, monkeypatch: pytest.MonkeyPatch, run: Callable[..., Any]
) -> None:
    monkeypatch.setattr(dns, "RESOLVER", lambda name: (name, [], ["192.0.2.80"]))
    run("hold-dr", "--profile", "operator")
    calls.made.clear()
    status = run("status", "--profile", "operator", "--health-check-id", "abc", "--output", "json")
    assert status.code == 0, status.err
    assert status.json["switch"].startswith("HELD on DR since") and "192.0.2.80" in status.json["answer"], status.out
    assert status.json["primaryHealth"] == "no data in 10 min", status.out
    assert set(calls.made) <= dns.DATA_PLANE_APIS, calls.made
    table = run("status", "--profile", "operator").out
    assert "caller: arn:aws:" in table and re.search(r"^switch\s+HELD on DR since", table, re.M), table


# --- timing with drill ------------------------------------------------------------------------------------------


def test_a_game_day_hold_is_timed_by_a_drill_step(
    calls: Calls, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, run: Callable[..., Any]
) -> None:
    drill.Drill(tmp_path).start("game day", 60, "alice", "prod")
    secondary = dns.load_config("dr").dr_endpoint
    answers = iter([["primary.app.example.com"], [secondary.value]])
    monkeypatch.setattr(dns, "RESOLVER", lambda name: (name, next(answers), ["192.0.2.1"]))
    monkeypatch.setattr(dns, "SLEEP", lambda _: None)
    where = ["--drill-dir", str(tmp_path)]
    assert run("hold-dr", "--profile", "operator", *where, "--notes", "Q4 game day").code == 0
    assert run("wait", "--for", "secondary", *where, "--every", "0").code == 0
    (step,) = drill.Drill(tmp_path).load()["steps"]
    assert step["name"] == "DNS: hold traffic on DR" and step["outcome"] == "ok", step
    assert "secondary after" in step["notes"] and "Q4 game day" in step["notes"], step


def test_wait_fails_when_the_answer_never_moves(monkeypatch: pytest.MonkeyPatch, run: Callable[..., Any]) -> None:
    monkeypatch.setattr(dns, "RESOLVER", lambda name: (name, ["primary.app.example.com"], []))
    monkeypatch.setattr(dns, "SLEEP", lambda _: None)
    waited = run("wait", "--for", "secondary", "--timeout-minutes", "0", "--every", "0")
    assert waited.code == EXIT_FAILED
    assert "NOT answering from the secondary" in waited.out


def test_wait_shows_progress_on_stderr_unless_told_not_to(
    monkeypatch: pytest.MonkeyPatch, run: Callable[..., Any]
) -> None:
    """``dns wait`` may take ten minutes: each lookup rewrites one waiting line on stderr (the shared helper), and
    ``--no-progress`` silences it; stdout has the result either way."""
    clock = iter(float(t) for t in range(0, 1000, 5))
    monkeypatch.setattr(dns, "RESOLVER", lambda name: (name, ["primary.app.example.com"], []))
    monkeypatch.setattr(dns, "SLEEP", lambda _: None)
    monkeypatch.setattr(dns, "CLOCK", lambda: next(clock))
    waited = run("wait", "--for", "secondary", "--timeout-minutes", "0.5", "--every", "5")
    assert waited.err.count("\rwaiting for ") >= 3 and "primary.app.example.com" in waited.err, waited.err
    assert "(limit 30 s)" in waited.err and waited.err.endswith("\n"), waited.err
    quiet = run("wait", "--for", "secondary", "--timeout-minutes", "0.5", "--every", "5", "--no-progress")
    assert quiet.err == "" and "NOT answering" in quiet.out


# --- preflight (control plane, before a deploy) -----------------------------------------------------------------


def test_preflight_finds_a_simple_record_in_the_way(calls: Calls, run: Callable[..., Any]) -> None:
    route53 = account_session(CFG.accounts.dns).client("route53")
    zone = route53.create_hosted_zone(Name="example.com", CallerReference="t")["HostedZone"]["Id"].split("/")[-1]
    assert run("preflight", "--profile", "operator", "--zone-id", zone).code == 0
    route53.change_resource_record_sets(
        HostedZoneId=zone,
        ChangeBatch={
            "Changes": [
                {
                    "Action": "CREATE",
                    "ResourceRecordSet": {
                        "Name": CFG.dns.record_name,
                        "Type": "CNAME",
                        "TTL": 300,
                        "ResourceRecords": [{"Value": "old.example.net"}],
                    },
                }
            ]
        },
    )
    blocked = run("preflight", "--profile", "operator", "--zone-id", zone)
    assert blocked.code == EXIT_FAILED
    assert "simple CNAME record(s) exist" in blocked.out
    assert set(calls.made) <= dns.PREFLIGHT_APIS | {("sts", "GetCallerIdentity")}, calls.made


# --- the API list is the documented one -------------------------------------------------------------------------


def test_docs_list_every_api_the_commands_call_and_no_control_plane_step() -> None:
    text = (ROOT / "docs" / "dns-failover.md").read_text(encoding="utf-8")
    for service, operation in sorted(dns.DATA_PLANE_APIS | dns.PREFLIGHT_APIS):
        assert f"{service}:{operation}" in text, f"docs/dns-failover.md does not list {service}:{operation}"
    for forbidden in ("update-health-check", "--inverted"):
        assert forbidden not in text.split("## Game day")[1], f"the game day still uses {forbidden}"
    runbook = (ROOT / "docs" / "runbook.md").read_text(encoding="utf-8")
    assert "update-health-check" not in runbook and "failsafe-dr dns hold-dr" in runbook


# --- verify checks ----------------------------------------------------------------------------------------------


def test_switch_check_reports_a_hold(moto: str) -> None:
    cloudwatch = account_session(CFG.accounts.dns, SWITCH.region).client("cloudwatch")
    assert "not held" in dns.check_switch(cloudwatch, SWITCH).evidence
    dns.put_switch(cloudwatch, SWITCH, dns.HOLD, datetime.now(UTC) - timedelta(minutes=2))
    check = dns.check_switch(cloudwatch, SWITCH)
    assert check.ok is True and "HELD on DR" in check.evidence, check


def test_alarm_delivery_fails_under_the_aws_managed_key_or_without_a_subscriber(moto: str) -> None:
    sess = account_session(CFG.accounts.dns, "us-east-1")
    sns = sess.client("sns")
    managed = sns.create_topic(Name="managed", Attributes={"KmsMasterKeyId": "alias/aws/sns"})["TopicArn"]
    assert "alias/aws/sns" in dns.check_alarm_delivery(sns, managed).evidence
    key = sess.client("kms").create_key()["KeyMetadata"]["Arn"]
    topic = sns.create_topic(Name="alarms", Attributes={"KmsMasterKeyId": key})["TopicArn"]
    lonely = dns.check_alarm_delivery(sns, topic)
    assert lonely.ok is False and "no confirmed subscription" in lonely.evidence, lonely
    queue = sess.client("sqs").create_queue(QueueName="pager")["QueueUrl"]
    queue_arn = sess.client("sqs").get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn["QueueArn"])
    delivered = dns.check_alarm_delivery(sns, topic)
    assert delivered.ok is True and "sqs" in delivered.evidence, delivered


class Health:
    """Route 53 health-check status stub: moto runs no checkers."""

    def __init__(self, statuses: list[str]) -> None:
        self.statuses = statuses

    def get_health_check_status(self, **_: Any) -> dict[str, Any]:
        return {"HealthCheckObservations": [{"Region": "r", "StatusReport": {"Status": s}} for s in self.statuses]}


def test_health_check_is_read_through_the_zone_account() -> None:
    assert dns.check_health_check(Health(["Success: HTTP 200"] * 8), "hc").ok is True
    assert dns.check_health_check(Health(["Failure: timeout"] * 8), "hc").ok is False
    assert dns.check_health_check(Health([]), None).ok is False


@pytest.fixture(scope="module")
def secondary() -> Iterator[str]:
    """A local HTTP endpoint standing in for the secondary: /health answers 'ok', /down answers 503. It keeps no
    state, so the module's tests share one; it polls for shutdown every 50 ms (``socketserver.BaseServer
    .serve_forever``'s default of 0.5 s made each test's teardown wait that long)."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, body = (200, b"status: ok") if self.path == "/health" else (503, b"down")
            self.send_response(status)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_secondary_must_answer_its_health_path(secondary: str) -> None:
    assert dns.check_secondary_answers(f"{secondary}/health", "ok").ok is True
    assert dns.check_secondary_answers(f"{secondary}/health", "ready").ok is False
    down = dns.check_secondary_answers(f"{secondary}/down")
    assert down.ok is False and "503" in down.evidence, down
    assert dns.check_secondary_answers(None).ok is None


def test_secondary_url_follows_the_configured_target() -> None:
    dr = dns.load_config("dr").dr_endpoint
    assert dns.secondary_url(dr, 443, "/health") == f"https://{dr.value}/health"
    assert dns.secondary_url(dr, 8443, "/h", "HTTPS") == f"https://{dr.value}:8443/h"
    assert dns.secondary_url(None, 443, "/health") is None


def test_verify_checks_skip_the_zone_account_without_a_profile(secondary: str) -> None:
    args = argparse.Namespace(dns_profile=None, secondary_url=f"{secondary}/health", health_check_id=None)
    found = dns.verify_checks(CFG, {}, args)
    assert [c.ok for c in found[:3]] == [None, None, None], found
    assert found[3].ok is True, found[3]


def test_a_write_that_changes_the_value_never_shares_a_minute_with_the_last_write() -> None:
    now = datetime(2026, 11, 30, 5, 0, 40, tzinfo=UTC)
    held = (datetime(2026, 11, 30, 5, 0, 10, tzinfo=UTC), dns.HOLD)
    assert dns.write_time(held, dns.RELEASE, now) == datetime(2026, 11, 30, 5, 1, tzinfo=UTC)
    assert dns.write_time(held, dns.HOLD, now) == now, "re-asserting the same value needs no shift"
    earlier = (datetime(2026, 11, 30, 4, 58, 10, tzinfo=UTC), dns.HOLD)
    assert dns.write_time(earlier, dns.RELEASE, now) == now
    assert dns.write_time(None, dns.HOLD, now) == now


def test_verify_checks_read_the_zone_account_with_its_profile(calls: Calls, secondary: str) -> None:
    sess = account_session(CFG.accounts.dns, "us-east-1")
    topic = sess.client("sns").create_topic(Name="alarms")["TopicArn"]
    args = argparse.Namespace(dns_profile="dns-readonly", secondary_url=f"{secondary}/health", health_check_id=None)
    found = {c.name.split(" ")[0] + " " + c.name.split(" ")[1]: c for c in dns.verify_checks(CFG, {}, args)}
    assert found["health check"].ok is False and "no health check id" in found["health check"].evidence
    assert found["DNS switch"].ok is True and "not held" in found["DNS switch"].evidence
    assert found["alarm topic"].ok is False, "config names no topic ARN and no outputs were given"
    outputs = {"failoverAlarmTopicArn": topic, "failoverHealthCheckId": "hc"}
    with_outputs = {c.name.split(" ")[0]: c for c in dns.verify_checks(CFG, outputs, args)}
    assert "no confirmed subscription" in with_outputs["alarm"].evidence, with_outputs["alarm"]
    assert ("route53", "ListResourceRecordSets") not in calls.made
