"""A throttled call is tried exactly :data:`failsafe.ops.aws.ATTEMPTS` times, counted by the server that answers it.

The server is a local HTTP endpoint (:class:`tests.support.awsfaults.FaultServer`, stdlib ``http.server`` in a
thread) that answers ``ThrottlingException`` (or the service's own throttling code) k times, in the service's
protocol. botocore's Stubber answers before the retry loop and could prove nothing here.

The documented number, from botocore 1.44 (the version ``requirements.txt`` pins):

- ``botocore/config.py``, ``Config`` docstring, ``retries``: "``total_max_attempts`` -- An integer representing the
  maximum number of total attempts that will be made on a single request. This includes the initial request, so a
  value of 1 indicates that no requests will be retried"; it "takes precedence" over ``max_attempts`` (which counts
  retries) and over the ``AWS_MAX_ATTEMPTS`` variable;
- ``botocore/retries/standard.py``, ``ThrottledRetryableChecker._THROTTLED_ERROR_CODES`` (``Throttling``,
  ``ThrottlingException``, ``SlowDown``, ``RequestLimitExceeded``, ...), and ``MaxAttemptsChecker``, which stops at
  the total and marks the response ``MaxAttemptsReached``.

So with k < ATTEMPTS throttles the call succeeds on try k + 1; with k >= ATTEMPTS it fails after ATTEMPTS tries.
Every client in failsafe.ops comes from :func:`failsafe.ops.aws.client` (a test of ``test_plumbing_grep`` keeps it
so); the cases below reach it directly for every service failsafe.ops calls (one per protocol family and more), and
through each caller that makes clients of its own: the assumed-role session, the two Lambda handlers and the CLI.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from failsafe.ops import aws, copier, params
from tests.support.awsfaults import FaultServer
from tests.support.opscli import Ran

# service -> (protocol, the operation as the server sees it (its name, or the REST path), a call that sends it)
CALLS: dict[str, tuple[str, str, Callable[[Any], Any]]] = {
    "s3": ("rest-xml", "/", lambda c: c.list_buckets()),
    "s3control": ("rest-xml", "/v20180820/jobs", lambda c: c.list_jobs(AccountId="111111111111")),
    "route53": ("rest-xml", "/2013-04-01/hostedzone", lambda c: c.list_hosted_zones()),
    "sts": ("query", "GetCallerIdentity", lambda c: c.get_caller_identity()),
    "rds": ("query", "DescribeDBSnapshots", lambda c: c.describe_db_snapshots()),
    "sns": ("query", "ListTopics", lambda c: c.list_topics()),
    "iam": ("query", "ListRoles", lambda c: c.list_roles()),
    "ec2": ("ec2", "DescribeSnapshots", lambda c: c.describe_snapshots(OwnerIds=["self"])),
    "ssm": ("json", "DescribeParameters", lambda c: c.describe_parameters()),
    "secretsmanager": ("json", "ListSecrets", lambda c: c.list_secrets()),
    "kms": ("json", "ListKeys", lambda c: c.list_keys()),
    "dynamodb": ("json", "ListTables", lambda c: c.list_tables()),
    "sqs": ("json", "ListQueues", lambda c: c.list_queues()),
    "cloudwatch": ("json", "ListMetrics", lambda c: c.list_metrics()),
    "backup": ("rest-json", "/backup-vaults/", lambda c: c.list_backup_vaults()),
    "lambda": ("rest-json", "/2015-03-31/functions", lambda c: c.list_functions()),
}
# The code each service throttles with, where it is not ThrottlingException (S3: SlowDown; the query services and
# Route 53: Throttling; EC2: RequestLimitExceeded), all in botocore's list.
CODES = {"s3": "SlowDown", "route53": "Throttling", "rds": "Throttling", "sns": "Throttling", "iam": "Throttling"}
CODES |= {"sts": "Throttling", "ec2": "RequestLimitExceeded"}


@pytest.fixture(scope="module")
def session() -> boto3.Session:
    """One session for the module: its loader keeps the service models, which each new session would read again.
    Credentials and the endpoint are read from the environment when each client is made."""
    return boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="eu-central-1")


@pytest.fixture
def endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., FaultServer]]:
    """``endpoint(protocol, operation, k, ...)``: a running FaultServer that every boto3 client in the test talks to
    (AWS_ENDPOINT_URL), with dummy credentials and no profile."""
    started: list[Any] = []

    def start(protocol: str, operation: str, failures: int, **kwargs: Any) -> FaultServer:
        server = FaultServer(protocol, operation, failures, **kwargs)
        running = server.running()
        running.__enter__()
        started.append(running)
        monkeypatch.setenv("AWS_ENDPOINT_URL", server.url)
        return server

    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    yield start
    for running in started:
        running.__exit__(None, None, None)


# The root element of a REST-XML success (the server answers the operation's output with no fields).
ROOTS = {"s3": "ListAllMyBucketsResult", "s3control": "ListJobsResult", "route53": "ListHostedZonesResponse"}


@pytest.fixture(autouse=True)
def account_hosts(monkeypatch: pytest.MonkeyPatch) -> None:
    """S3 Control puts the account ID in front of the endpoint's host (``111111111111.127.0.0.1``, botocore's
    endpoint rules for ``s3control``); such a name resolves to the local server, as ``<account>.s3-control...``
    resolves in AWS. Every other name resolves as before."""
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(host, str) and host.endswith(".127.0.0.1"):
            host = "127.0.0.1"
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def fault(service: str, failures: int, start: Callable[..., FaultServer]) -> FaultServer:
    protocol, operation, _ = CALLS[service]
    success = {operation: {"_root": ROOTS[service]}} if service in ROOTS else {}
    code = CODES.get(service, "ThrottlingException")
    return start(protocol, operation, failures, code=code, service=service, success=success)


@pytest.mark.parametrize("service", sorted(CALLS))
def test_a_call_throttled_one_time_fewer_than_the_attempts_succeeds_on_the_last_try(
    service: str, endpoint: Callable[..., FaultServer], session: boto3.Session
) -> None:
    server = fault(service, aws.ATTEMPTS - 1, endpoint)
    CALLS[service][2](aws.client(session, service))
    assert server.tries() == aws.ATTEMPTS, server.requests


@pytest.mark.parametrize("service", sorted(CALLS))
def test_a_call_throttled_every_time_is_tried_exactly_the_attempts_and_says_so(
    service: str, endpoint: Callable[..., FaultServer], session: boto3.Session
) -> None:
    server = fault(service, 1000, endpoint)
    with pytest.raises(ClientError) as refused:
        CALLS[service][2](aws.client(session, service))
    assert server.tries() == aws.ATTEMPTS, server.requests
    meta = refused.value.response["ResponseMetadata"]
    assert meta["MaxAttemptsReached"] and meta["RetryAttempts"] == aws.ATTEMPTS - 1, meta
    assert aws.describe(refused.value).startswith(f"{CODES.get(service, 'ThrottlingException')} after 5 attempts")


def test_the_attempts_are_totals_and_the_environment_does_not_stack_on_them(
    endpoint: Callable[..., FaultServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``attempts=1`` is one try (not one retry); AWS_MAX_ATTEMPTS and AWS_RETRY_MODE do not change the factory's
    policy (the client Config takes precedence: botocore ``Config`` docstring, ``retries``)."""
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "9")
    monkeypatch.setenv("AWS_RETRY_MODE", "legacy")
    server = fault("sts", 1000, endpoint)
    with pytest.raises(ClientError):
        aws.client(boto3.Session(), "sts", attempts=1).get_caller_identity()
    assert server.tries() == 1
    with pytest.raises(ClientError):
        aws.client(boto3.Session(), "sts").get_caller_identity()
    assert server.tries() == 1 + aws.ATTEMPTS
    with pytest.raises(ValueError, match="attempts 0: expected at least 1"):
        aws.client_config(0)


def test_a_refusal_is_tried_once(endpoint: Callable[..., FaultServer]) -> None:
    server = endpoint("query", "GetCallerIdentity", 1000, code="AccessDenied", status=403)
    with pytest.raises(ClientError):
        aws.client(boto3.Session(), "sts").get_caller_identity()
    assert server.tries() == 1


def test_assuming_a_role_is_tried_the_attempts(endpoint: Callable[..., FaultServer]) -> None:
    """:func:`aws.session` with ``role_arn`` calls STS through the factory: the same bound."""
    server = endpoint("query", "AssumeRole", 1000, code="Throttling")
    with pytest.raises(ClientError):
        aws.session("eu-central-1", role_arn="arn:aws:iam::111111111111:role/reader")
    assert server.tries() == aws.ATTEMPTS


def test_the_snapshot_copier_handler_tries_a_throttled_listing_the_attempts(
    endpoint: Callable[..., FaultServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {"BACKUP_KMS_KEY_ARN": "k", "RETENTION_DAYS": "35", "SOURCE_ACCOUNT_ID": "111111111111"}.items():
        monkeypatch.setenv(name, value)
    server = endpoint("query", "DescribeDBSnapshots", 1000, code="Throttling")
    with pytest.raises(ClientError, match="Throttling"):
        copier.handler({}, None)
    assert server.tries() == aws.ATTEMPTS, server.requests


def test_the_params_copier_handler_tries_a_throttled_assume_role_the_attempts(
    endpoint: Callable[..., FaultServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {
        "PROD_READ_ROLE_ARN": "arn:aws:iam::111111111111:role/failsafe-dr-reader",
        "PARAMETER_PATH": "/app/",
        "SECRET_PREFIX": "app/",
        "BACKUP_KMS_KEY_ARN": "k",
        "SOURCE_REGION": "eu-central-1",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    params.Settings.from_env()  # the variables the handler needs are these (a renamed one fails here, not below)
    server = endpoint("query", "AssumeRole", 1000, code="Throttling")
    with pytest.raises(ClientError, match="Throttling"):
        params.handler({}, None)
    assert server.tries() == aws.ATTEMPTS, server.requests


def test_the_cli_tries_a_throttled_call_the_attempts_and_exits_3_in_one_line(
    endpoint: Callable[..., FaultServer], failsafe_dr: Callable[..., Ran]
) -> None:
    server = endpoint("rest-xml", "/v20180820/jobs", 1000, service="s3control")
    ran = failsafe_dr("backfill", "assets", "--status")
    assert server.tries() == aws.ATTEMPTS, server.requests
    assert ran.code == 3 and ran.err.count("\n") == 1, ran.err
    line = f"AWS refused ListJobs on 111111111111 after {aws.ATTEMPTS} attempts: ThrottlingException"
    assert line in ran.err, ran.err
