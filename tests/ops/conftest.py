"""Fixtures of the operations tests: no real retry pauses, AWS profiles that are moto accounts, moto estates shared
by the tests of a module, and ``failsafe-dr`` run through its real ``main``."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.retries import standard

from failsafe.ops import cli
from tests.support.moto import (
    BACKUP,
    PROD,
    moto_environment,
    quick_symmetric_keys,
    share_service_models,
    write_profiles,
)
from tests.support.opscli import Backoff, Ran

TARGET = "333333333333"
NEW_PROD = "444444444444"
PROFILES = {
    "prod": PROD,
    "prod-readonly": PROD,
    "backup": BACKUP,
    "dr-readonly": BACKUP,
    "dr-restore": BACKUP,
    "target": TARGET,
    "newprod": NEW_PROD,
    "other": "999999999999",
    # the DNS operator's profiles: the hosted zone's account is prod's in the example config (dnsAccountId empty)
    "operator": PROD,
    "dns-readonly": PROD,
    "backup-operator": BACKUP,
}


@pytest.fixture(autouse=True)
def backoff(monkeypatch: pytest.MonkeyPatch) -> Backoff:
    """No test waits for a retry: botocore's own delay function (``ExponentialBackoff.delay_amount``) is asked for
    its delay, which is recorded, and the retry loop then sleeps 0 s. Attempts and their count are untouched."""
    recorded = Backoff()
    original = standard.ExponentialBackoff.delay_amount

    def delay_amount(self: standard.ExponentialBackoff, context: Any) -> float:
        random, self._random = self._random, lambda: 1.0
        try:
            delay = float(original(self, context))
        finally:
            self._random = random
        recorded.delays.append(delay)
        if recorded.on_sleep is not None:
            recorded.on_sleep(delay)
        return 0.0

    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", delay_amount)
    return recorded


@pytest.fixture
def profiles(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The profiles of :data:`PROFILES` (name -> moto account), in an AWS config file boto3 reads."""
    for name, value in write_profiles(tmp_path_factory.mktemp("aws"), PROFILES).items():
        monkeypatch.setenv(name, value)
    return PROFILES


@pytest.fixture(scope="module")
def shared_moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A moto server reset once for the module (its tests share what a seeding fixture put there and write only
    under names of their own), with the environment and the profiles of :func:`profiles`."""
    with pytest.MonkeyPatch.context() as patch:
        url = moto_environment(patch)
        for name, value in write_profiles(tmp_path_factory.mktemp("aws"), PROFILES).items():
            patch.setenv(name, value)
        yield url


@pytest.fixture
def shared_models(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opt-in (``pytest.mark.usefixtures("shared_models")``): the sessions a test's code makes share parsed service
    models (:func:`tests.support.moto.share_service_models`); their credentials, config and event handlers stay
    their own."""
    share_service_models(monkeypatch)


@pytest.fixture
def quick_kms_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opt-in: symmetric KMS keys made in moto skip the RSA key moto 5.2 generates for each
    (:func:`tests.support.moto.quick_symmetric_keys`)."""
    quick_symmetric_keys(monkeypatch)


@pytest.fixture
def lambda_role(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], str]:
    """``lambda_role(account)``: the ambient credentials become those of a role in ``account``, as the Lambda runtime
    puts its execution role's credentials into the environment (moto's STS maps them to the role's account)."""

    def become(account: str) -> str:
        import boto3

        role = f"arn:aws:iam::{account}:role/failsafe-recovery"
        creds = boto3.client("sts").assume_role(RoleArn=role, RoleSessionName="lambda")["Credentials"]
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", creds["AccessKeyId"])
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", creds["SecretAccessKey"])
        monkeypatch.setenv("AWS_SESSION_TOKEN", creds["SessionToken"])
        return role

    return become


@pytest.fixture
def failsafe_dr(capsys: pytest.CaptureFixture[str]) -> Callable[..., Ran]:
    """``failsafe_dr("restore", "s3", ...)``: the real ``main``, its exit code and output. With ``--output json``
    the document's keys must be exactly the shape the command documents in its ``--help``."""

    def run(*argv: str) -> Ran:
        capsys.readouterr()
        code = cli.main(list(argv))
        out, err = capsys.readouterr()
        if "--output" in argv and argv[argv.index("--output") + 1] == "json" and out.strip():
            args = cli.parser().parse_args(list(argv))
            document = json.loads(out)
            assert set(document) == set(args.shape), f"{argv[:2]}: JSON keys {sorted(document)} != {sorted(args.shape)}"
        return Ran(code, out, err)

    return run
