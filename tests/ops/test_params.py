"""The parameter copier against a moto server: prod (111111111111) and backup (222222222222) are separate moto
accounts; the handler assumes prod's read-only role through moto STS, as in AWS."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from failsafe.ops import params
from tests.support.awsfaults import inject
from tests.support.moto import BACKUP, PROD, REGION, account_session
from tests.support.plans import cached_plan, config_of

pytestmark = pytest.mark.usefixtures("shared_models", "quick_kms_keys")  # tests/support/moto.py

ROLE = f"arn:aws:iam::{PROD}:role/failsafe-dr-reader"


class Counting:
    """A client proxy counting calls per operation (listings go through the real client's paginator)."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.calls: dict[str, int] = {}

    def __getattr__(self, name: str) -> Any:
        real = getattr(self._client, name)
        if not callable(real) or name.startswith("_") or name in ("meta", "exceptions", "get_paginator"):
            return real

        def counted(**kwargs: Any) -> Any:
            self.calls[name] = self.calls.get(name, 0) + 1
            return real(**kwargs)

        return counted


@pytest.fixture
def accounts(moto: str) -> tuple[Any, Any]:
    return account_session(PROD), account_session(BACKUP)


@pytest.fixture
def key_arn(accounts: tuple[Any, Any]) -> str:
    return accounts[1].client("kms").create_key()["KeyMetadata"]["Arn"]


@pytest.fixture
def settings(key_arn: str) -> params.Settings:
    return params.Settings(ROLE, "/app/", "app/", key_arn, None, REGION)


def seed_prod(prod: Any) -> None:
    ssm, secrets = prod.client("ssm"), prod.client("secretsmanager")
    ssm.put_parameter(Name="/app/db/host", Value="db.internal", Type="String")
    ssm.put_parameter(Name="/app/db/password", Value="s3cret", Type="SecureString")
    ssm.put_parameter(Name="/other/flag", Value="not ours", Type="String")
    secrets.create_secret(Name="app/api-key", SecretString="k-1")
    secrets.create_secret(Name="billing/token", SecretString="not ours")


def make(settings: params.Settings, prod: Any, backup: Any) -> tuple[params.ParamsCopier, Counting, Counting]:
    prod_ssm, prod_secrets = Counting(prod.client("ssm")), Counting(prod.client("secretsmanager"))
    copier = params.ParamsCopier(
        settings,
        prod_ssm,
        prod_secrets,
        backup.client("ssm"),
        backup.client("secretsmanager"),
        None,
        source_account=PROD,
    )
    return copier, prod_ssm, prod_secrets


def lambda_environment(monkeypatch: pytest.MonkeyPatch, key_arn: str, source_region: str, lambda_role: Any) -> None:
    """The handler's environment as RecoveryFunctions sets it; its own credentials are a role in the backup account,
    and the role it assumes is prod's (moto's STS gives credentials of the role's account)."""
    lambda_role(BACKUP)
    for name, value in {
        "PROD_READ_ROLE_ARN": ROLE,
        "PARAMETER_PATH": "/app/",
        "SECRET_PREFIX": "app/",
        "BACKUP_KMS_KEY_ARN": key_arn,
        "NOTIFY_TOPIC_ARN": "",
        "SOURCE_REGION": source_region,
    }.items():
        monkeypatch.setenv(name, value)


def test_handler_assumes_the_prod_read_role_and_copies_path_and_prefix_only(
    accounts: tuple[Any, Any], key_arn: str, monkeypatch: pytest.MonkeyPatch, lambda_role: Any
) -> None:
    prod, backup = accounts
    seed_prod(prod)
    lambda_environment(monkeypatch, key_arn, REGION, lambda_role)

    report = params.handler({}, None)

    assert sorted(report["copied"]) == ["secret:app/api-key", "ssm:/app/db/host", "ssm:/app/db/password"], report
    ssm = backup.client("ssm")
    password = ssm.get_parameter(Name="/app/db/password", WithDecryption=True)["Parameter"]
    assert password["Value"] == "s3cret" and password["Type"] == "SecureString"
    [meta] = ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": ["/app/db/password"]}])["Parameters"]
    assert meta["KeyId"] == key_arn, f"SecureString copy not encrypted with the backup key: {meta}"
    assert params.source_version(meta["Description"]) == "1", meta["Description"]
    with pytest.raises(ClientError):
        ssm.get_parameter(Name="/other/flag")
    secret = backup.client("secretsmanager").describe_secret(SecretId="app/api-key")
    assert (
        secret["KmsKeyId"] == key_arn
        and backup.client("secretsmanager").get_secret_value(SecretId="app/api-key")["SecretString"] == "k-1"
    )
    assert "billing/token" not in {s["Name"] for s in backup.client("secretsmanager").list_secrets()["SecretList"]}


def test_the_handler_reads_prod_in_prods_region_not_its_own(
    accounts: tuple[Any, Any], key_arn: str, monkeypatch: pytest.MonkeyPatch, lambda_role: Any
) -> None:
    """Reproduces the review's finding: the copier runs in the DR region, prod's parameters live in prod's region.
    Built in the DR region, the prod clients listed nothing and the run reported success."""
    prod_region = "eu-west-1"
    assert prod_region != REGION
    seed_prod(account_session(PROD, prod_region))
    lambda_environment(monkeypatch, key_arn, prod_region, lambda_role)

    report = params.handler({}, None)

    assert sorted(report["copied"]) == ["secret:app/api-key", "ssm:/app/db/host", "ssm:/app/db/password"], report


def test_the_source_region_is_required_never_guessed() -> None:
    env = {
        "PROD_READ_ROLE_ARN": ROLE,
        "PARAMETER_PATH": "/app/",
        "SECRET_PREFIX": "app/",
        "BACKUP_KMS_KEY_ARN": "arn:aws:kms:eu-central-1:222222222222:key/k",
        "AWS_REGION": REGION,
    }
    with pytest.raises(params.SettingsError, match="SOURCE_REGION"):
        params.Settings.from_env(env)


def test_unchanged_values_are_not_read_again_and_changed_ones_are(
    accounts: tuple[Any, Any], settings: params.Settings
) -> None:
    prod, backup = accounts
    seed_prod(prod)
    make(settings, prod, backup)[0].run()

    copier, prod_ssm, prod_secrets = make(settings, prod, backup)
    quiet = copier.run()
    assert quiet.copied == [] and len(quiet.unchanged) == 3, quiet
    assert "get_parameter" not in prod_ssm.calls and "get_secret_value" not in prod_secrets.calls, (
        f"unchanged values were read: {prod_ssm.calls} {prod_secrets.calls}"
    )

    prod.client("ssm").put_parameter(Name="/app/db/host", Value="db2.internal", Type="String", Overwrite=True)
    prod.client("secretsmanager").put_secret_value(SecretId="app/api-key", SecretString="k-2")
    copier, prod_ssm, prod_secrets = make(settings, prod, backup)
    changed = copier.run()

    assert sorted(changed.copied) == ["secret:app/api-key", "ssm:/app/db/host"], changed
    assert prod_ssm.calls.get("get_parameter") == 1 and prod_secrets.calls.get("get_secret_value") == 1
    assert backup.client("ssm").get_parameter(Name="/app/db/host")["Parameter"]["Value"] == "db2.internal"
    assert backup.client("secretsmanager").get_secret_value(SecretId="app/api-key")["SecretString"] == "k-2"


def test_a_failed_copy_notifies_and_raises_but_the_rest_is_copied(
    accounts: tuple[Any, Any], settings: params.Settings
) -> None:
    prod, backup = accounts
    seed_prod(prod)
    published: list[dict[str, Any]] = []

    class Sns:
        def publish(self, **kwargs: Any) -> dict[str, str]:
            published.append(kwargs)
            return {"MessageId": "1"}

    class Broken:
        def __init__(self, client: Any) -> None:
            self._client = client

        def __getattr__(self, name: str) -> Any:
            if name == "create_secret":

                def denied(**_: Any) -> None:
                    raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "kms"}}, name)

                return denied
            return getattr(self._client, name)

    notify = params.Settings(ROLE, "/app/", "app/", settings.kms_key_arn, "arn:aws:sns:x:1:t", REGION)
    copier = params.ParamsCopier(
        notify,
        prod.client("ssm"),
        prod.client("secretsmanager"),
        backup.client("ssm"),
        Broken(backup.client("secretsmanager")),
        Sns(),
    )

    with pytest.raises(params.ParamsCopyFailed, match="secret:app/api-key"):
        copier.run()

    assert backup.client("ssm").get_parameter(Name="/app/db/host")["Parameter"]["Value"] == "db.internal"
    body = json.loads(published[0]["Message"])
    assert body["failures"][0]["item"] == "secret:app/api-key" and len(body["copied"]) == 2, body


def test_settings_name_the_bad_variable() -> None:
    env = {
        "PROD_READ_ROLE_ARN": ROLE,
        "PARAMETER_PATH": "/app/",
        "SECRET_PREFIX": "app/",
        "BACKUP_KMS_KEY_ARN": "k",
        "AWS_REGION": REGION,
        "SOURCE_REGION": "eu-west-1",
    }
    assert params.Settings.from_env(env).parameter_path == "/app/"
    with pytest.raises(params.SettingsError, match="PARAMETER_PATH='app'"):
        params.Settings.from_env({**env, "PARAMETER_PATH": "app"})
    with pytest.raises(params.SettingsError, match="PROD_READ_ROLE_ARN"):
        params.Settings.from_env({**env, "PROD_READ_ROLE_ARN": "prod-reader"})


def test_throttled_reads_are_retried_with_backoff_then_succeed(
    accounts: tuple[Any, Any], settings: params.Settings, backoff: Any
) -> None:
    """Throttled twice in botocore's send step: its standard retries (the factory's clients) try again, with
    growing backoff, and the copy succeeds."""
    from failsafe.ops import aws

    prod, backup = accounts
    seed_prod(prod)
    throttled = inject(prod.events, "ssm", "DescribeParameters", times=2)
    copier = params.ParamsCopier(
        settings,
        aws.client(prod, "ssm"),
        aws.client(prod, "secretsmanager"),
        backup.client("ssm"),
        backup.client("secretsmanager"),
        None,
    )

    assert len(copier.run().copied) == 3
    assert (throttled.answered, throttled.attempts) == (2, 3), "tried three times: throttled twice, then answered"
    assert backoff.delays == [1.0, 2.0], "full-jitter backoff bounded by 2**n s (botocore's throttling scale)"


def test_the_dr_plan_gives_the_params_copier_prods_region() -> None:
    (function,) = [f for f in cached_plan("dr").by_type("aws:lambda/function:Function") if f.name == "recovery-params"]
    variables = function.inputs["environment"]["variables"]
    assert variables["SOURCE_REGION"] == config_of("dr").primary_region != config_of("dr").dr_region, variables
