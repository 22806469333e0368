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
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from failsafe.ops import dns, drill
from tests.support.moto import BACKUP, account_session

ROOT = Path(__file__).resolve().parents[2]
CFG = dns.load_config("prod")
SWITCH = dns.Switch.from_config(CFG)


class Calls:
    """Every (service, operation) the sessions handed to the CLI send."""

    def __init__(self) -> None:
        self.made: list[tuple[str, str]] = []

    def session(self, account: str) -> Any:
        def factory(profile: str | None, region: str) -> Any:
            sess = account_session(account, region)

            def record(model: Any, **_: Any) -> None:
                self.made.append((model.service_model.service_name, model.name))

            sess.events.register("before-call", record)
            return sess

        return factory


@pytest.fixture
def calls(moto: str, monkeypatch: pytest.MonkeyPatch) -> Calls:
    recorder = Calls()
    monkeypatch.setattr(dns, "session_for", recorder.session(CFG.accounts.dns))
    return recorder


def run(*argv: str) -> int:
    root = argparse.ArgumentParser(prog="failsafe-dr")
    dns.register(root.add_subparsers(dest="command", required=True))
    args = root.parse_args(["dns", *argv])
    return args.func(args)


def switch_value() -> float | None:
    cloudwatch = account_session(CFG.accounts.dns, SWITCH.region).client("cloudwatch")
    point = dns.read_switch(cloudwatch, SWITCH)
    return None if point is None else point[1]


# --- hold-dr / release ------------------------------------------------------------------------------------------


def test_hold_dr_writes_the_switch_with_data_plane_calls_only(calls: Calls, capsys: pytest.CaptureFixture) -> None:
    assert switch_value() is None
    assert run("hold-dr", "--profile", "operator") == 0
    assert switch_value() == dns.HOLD
    assert set(calls.made) <= dns.DATA_PLANE_APIS, f"hold-dr called outside the data plane: {calls.made}"
    assert ("cloudwatch", "PutMetricData") in calls.made
    assert not [c for c in calls.made if c[0] == "route53"], calls.made
    out = capsys.readouterr().out
    assert "caller: arn:aws:" in out and f":{CFG.accounts.dns}:" in out, f"caller ARN not printed first: {out}"


def test_release_without_confirm_failback_is_refused_and_writes_nothing(
    calls: Calls, capsys: pytest.CaptureFixture
) -> None:
    run("hold-dr", "--profile", "operator")
    calls.made.clear()
    assert run("release", "--profile", "operator") == dns.EXIT_ERROR
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--confirm-failback" in err and "did DR take writes" in err, err
    assert calls.made == [], "a refused release must not touch AWS"
    assert switch_value() == dns.HOLD


def test_release_with_confirm_failback_writes_zero_with_data_plane_calls_only(
    calls: Calls, capsys: pytest.CaptureFixture
) -> None:
    run("hold-dr", "--profile", "operator")
    calls.made.clear()
    assert run("release", "--profile", "operator", "--confirm-failback") == 0
    assert switch_value() == dns.RELEASE
    assert set(calls.made) <= dns.DATA_PLANE_APIS, f"release called outside the data plane: {calls.made}"
    assert "switch before: HELD on DR" in capsys.readouterr().out


def test_credentials_of_another_account_are_refused_before_any_write(
    moto: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    recorder = Calls()
    monkeypatch.setattr(dns, "session_for", recorder.session(BACKUP))
    assert run("hold-dr", "--profile", "backup-operator") == dns.EXIT_ERROR
    err = capsys.readouterr().err
    assert "wrong account" in err and BACKUP in err and "dnsAccountId" in err, err
    assert ("cloudwatch", "PutMetricData") not in recorder.made
    assert switch_value() is None


def test_hold_and_release_need_a_profile() -> None:
    with pytest.raises(SystemExit):
        run("hold-dr")


def test_status_reads_the_switch_and_the_answer_with_data_plane_calls_only(
    calls: Calls, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setattr(dns, "RESOLVER", lambda name: (name, [], ["192.0.2.80"]))
    run("hold-dr", "--profile", "operator")
    capsys.readouterr()
    calls.made.clear()
    assert run("status", "--profile", "operator", "--health-check-id", "abc") == 0
    out = capsys.readouterr().out
    assert '"switch": "HELD on DR since' in out and "192.0.2.80" in out, out
    assert '"primaryHealth": "no data in 10 min"' in out, out
    assert set(calls.made) <= dns.DATA_PLANE_APIS, calls.made


# --- timing with drill ------------------------------------------------------------------------------------------


def test_a_game_day_hold_is_timed_by_a_drill_step(
    calls: Calls, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    drill.Drill(tmp_path).start("game day", 60, "alice", "prod")
    secondary = dns.load_config("dr").dr_endpoint
    answers = iter([["primary.app.example.com"], [secondary.value]])
    monkeypatch.setattr(dns, "RESOLVER", lambda name: (name, next(answers), ["192.0.2.1"]))
    monkeypatch.setattr(dns.time, "sleep", lambda _: None)
    assert run("hold-dr", "--profile", "operator", "--drill", str(tmp_path), "--reason", "Q4 game day") == 0
    assert run("wait", "--for", "secondary", "--drill", str(tmp_path), "--every", "0") == 0
    (step,) = drill.Drill(tmp_path).load()["steps"]
    assert step["name"] == "DNS: hold traffic on DR" and step["outcome"] == "ok", step
    assert "secondary after" in step["notes"] and "Q4 game day" in step["notes"], step


def test_wait_fails_when_the_answer_never_moves(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setattr(dns, "RESOLVER", lambda name: (name, ["primary.app.example.com"], []))
    monkeypatch.setattr(dns.time, "sleep", lambda _: None)
    assert run("wait", "--for", "secondary", "--timeout", "0", "--every", "0") == dns.EXIT_FAILED
    assert "NOT answering from the secondary" in capsys.readouterr().out


# --- preflight (control plane, before a deploy) -----------------------------------------------------------------


def test_preflight_finds_a_simple_record_in_the_way(calls: Calls, capsys: pytest.CaptureFixture) -> None:
    route53 = account_session(CFG.accounts.dns).client("route53")
    zone = route53.create_hosted_zone(Name="example.com", CallerReference="t")["HostedZone"]["Id"].split("/")[-1]
    assert run("preflight", "--zone-id", zone) == 0
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
    assert run("preflight", "--zone-id", zone) == dns.EXIT_FAILED
    assert "simple CNAME record(s) exist" in capsys.readouterr().out
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


@pytest.fixture
def secondary() -> Iterator[str]:
    """A local HTTP endpoint standing in for the secondary: /health answers 'ok', /down answers 503."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, body = (200, b"status: ok") if self.path == "/health" else (503, b"down")
            self.send_response(status)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
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
