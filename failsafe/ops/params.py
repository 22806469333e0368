"""Parameter copier (Lambda in the backup account): SSM parameters and secrets, pulled from prod.

Assumes ``PROD_READ_ROLE_ARN`` (prod's one read-only role, failsafe_components.recovery_functions.ProdReadAccess)
and reads prod in ``SOURCE_REGION`` (prod's region, not this Lambda's: parameters and secrets are regional), lists
the parameters under ``PARAMETER_PATH`` and the secrets whose names start with ``SECRET_PREFIX``,
and compares each one's version with the source version recorded on the backup copy. Only changed or new
items are read (metadata first: an unchanged value is never fetched, so a quiet estate costs list calls
only) and written into the backup account under the same name: SecureStrings and secrets encrypted with
``BACKUP_KMS_KEY_ARN``. The source version is recorded in the copy's description and a tag
(``failsafe:source-version``). Failures are published to ``NOTIFY_TOPIC_ARN`` and raised for the DLQ.

Nothing is ever deleted here: a parameter removed in prod stays in the backup account (that is the point).
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from failsafe.ops import aws
from failsafe.ops.aws import SettingsError, required_env
from failsafe.ops.errors import CheckFailed, error_code

LOG = logging.getLogger(__name__)

COPIED_BY_TAG = "failsafe:copied-by"
SOURCE_VERSION_TAG = "failsafe:source-version"
COPIED_AT_TAG = "failsafe:copied-at"
SOURCE_VERSION = re.compile(r"source version (\S+?)\)?$")
SESSION_NAME = "failsafe-params-copier"


class ParamsCopyFailed(CheckFailed):
    """Some parameters or secrets could not be copied; raised after the failure notice."""


@dataclass(frozen=True)
class Settings:
    prod_read_role_arn: str
    parameter_path: str
    secret_prefix: str
    kms_key_arn: str
    notify_topic_arn: str | None
    region: str  # where this Lambda and the backup copies live (the DR region)
    source_region: str = ""  # where prod keeps its parameters and secrets (prod's region); "" = region

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        def need(name: str) -> str:
            return required_env(env, name)

        role = need("PROD_READ_ROLE_ARN")
        if not re.fullmatch(r"arn:aws[\w-]*:iam::\d{12}:role/[\w+=,.@/-]+", role):
            raise SettingsError(f"PROD_READ_ROLE_ARN={role!r}: expected an IAM role ARN")
        path = need("PARAMETER_PATH")
        if not (path.startswith("/") and path.endswith("/")):
            raise SettingsError(f"PARAMETER_PATH={path!r}: expected a path that starts and ends with '/'")
        region = aws.lambda_region(env)
        # Required, never defaulted to this Lambda's region: SSM parameters and secrets are regional, and a copier
        # reading prod in the DR region lists nothing and reports success.
        source_region = need("SOURCE_REGION")
        return cls(
            role,
            path,
            need("SECRET_PREFIX"),
            need("BACKUP_KMS_KEY_ARN"),
            env.get("NOTIFY_TOPIC_ARN") or None,
            region,
            source_region,
        )


@dataclass
class Report:
    copied: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failures: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def source_version(description: str | None) -> str | None:
    match = SOURCE_VERSION.search(description or "")
    return match.group(1) if match else None


class ParamsCopier:
    def __init__(
        self,
        settings: Settings,
        prod_ssm: Any,
        prod_secrets: Any,
        ssm: Any,
        secrets: Any,
        sns: Any | None = None,
        source_account: str = "prod",
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.s = settings
        self.prod_ssm, self.prod_secrets, self.ssm, self.secrets, self.sns = prod_ssm, prod_secrets, ssm, secrets, sns
        self.source_account = source_account
        self.now = now

    def _describe(self, client: Any) -> dict[str, dict[str, Any]]:
        path = self.s.parameter_path.rstrip("/") or "/"
        found = aws.items(
            client,
            "describe_parameters",
            "Parameters",
            ParameterFilters=[{"Key": "Path", "Option": "Recursive", "Values": [path]}],
        )
        return {p["Name"]: p for p in found}

    # --- SSM ------------------------------------------------------------------------------------------

    def copy_parameters(self, report: Report) -> None:
        sources = self._describe(self.prod_ssm)
        copies = self._describe(self.ssm)
        for name, meta in sorted(sources.items()):
            if source_version((copies.get(name) or {}).get("Description")) == str(meta["Version"]):
                report.unchanged.append(f"ssm:{name}")
                continue
            try:
                self._copy_parameter(name)
            except Exception as exc:
                LOG.exception("parameter %s failed", name)
                report.failures.append({"item": f"ssm:{name}", "error": f"{type(exc).__name__}: {exc}"})
                continue
            report.copied.append(f"ssm:{name}")

    def _copy_parameter(self, name: str) -> None:
        param = self.prod_ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]
        version = str(param["Version"])
        kind = param["Type"]
        extra = {"KeyId": self.s.kms_key_arn} if kind == "SecureString" else {}
        self.ssm.put_parameter(
            Name=name,
            Value=param["Value"],
            Type=kind,
            Overwrite=True,
            Tier="Intelligent-Tiering",
            Description=f"failsafe copy from account {self.source_account} (source version {version})",
            **extra,
        )
        self.ssm.add_tags_to_resource(
            ResourceType="Parameter",
            ResourceId=name,
            Tags=[
                {"Key": COPIED_BY_TAG, "Value": "failsafe"},
                {"Key": SOURCE_VERSION_TAG, "Value": version},
                {"Key": COPIED_AT_TAG, "Value": self.now().strftime("%Y-%m-%dT%H:%M:%SZ")},
            ],
        )

    # --- Secrets Manager ------------------------------------------------------------------------------

    def copy_secrets(self, report: Report) -> None:
        sources = aws.items(
            self.prod_secrets,
            "list_secrets",
            "SecretList",
            Filters=[{"Key": "name", "Values": [self.s.secret_prefix]}],
        )
        for meta in sorted(sources, key=lambda m: m["Name"]):
            name = meta["Name"]
            if not name.startswith(self.s.secret_prefix):  # the name filter is a prefix match; be exact anyway
                continue
            current = next(
                (v for v, stages in (meta.get("SecretVersionsToStages") or {}).items() if "AWSCURRENT" in stages), None
            )
            try:
                copy = self.secrets.describe_secret(SecretId=name)
            except Exception as exc:
                if error_code(exc) != "ResourceNotFoundException":
                    report.failures.append({"item": f"secret:{name}", "error": f"{type(exc).__name__}: {exc}"})
                    continue
                copy = None
            recorded = {t["Key"]: t["Value"] for t in (copy or {}).get("Tags") or ()}.get(SOURCE_VERSION_TAG)
            if current is not None and recorded == current:
                report.unchanged.append(f"secret:{name}")
                continue
            try:
                self._copy_secret(meta["ARN"], name, exists=copy is not None)
            except Exception as exc:
                LOG.exception("secret %s failed", name)
                report.failures.append({"item": f"secret:{name}", "error": f"{type(exc).__name__}: {exc}"})
                continue
            report.copied.append(f"secret:{name}")

    def _copy_secret(self, source_arn: str, name: str, exists: bool) -> None:
        value = self.prod_secrets.get_secret_value(SecretId=source_arn, VersionStage="AWSCURRENT")
        version = value["VersionId"]
        payload = (
            {"SecretString": value["SecretString"]}
            if "SecretString" in value
            else {"SecretBinary": value["SecretBinary"]}
        )
        tags = [
            {"Key": COPIED_BY_TAG, "Value": "failsafe"},
            {"Key": SOURCE_VERSION_TAG, "Value": version},
            {"Key": COPIED_AT_TAG, "Value": self.now().strftime("%Y-%m-%dT%H:%M:%SZ")},
        ]
        description = f"failsafe copy from account {self.source_account} (source version {version})"
        if exists:
            self.secrets.put_secret_value(SecretId=name, **payload)
            self.secrets.update_secret(SecretId=name, Description=description, KmsKeyId=self.s.kms_key_arn)
            self.secrets.tag_resource(SecretId=name, Tags=tags)
        else:
            self.secrets.create_secret(
                Name=name,
                KmsKeyId=self.s.kms_key_arn,
                Description=description,
                Tags=tags,
                **payload,
            )

    # --- one invocation -------------------------------------------------------------------------------

    def run(self) -> Report:
        report = Report()
        for step in (self.copy_parameters, self.copy_secrets):
            try:
                step(report)
            except Exception as exc:  # listing failed: the other half still runs
                LOG.exception("%s failed", step.__name__)
                report.failures.append({"item": step.__name__, "error": f"{type(exc).__name__}: {exc}"})
        if report.failures:
            self.notify(report)
            raise ParamsCopyFailed(
                f"{len(report.failures)} parameter/secret copy failure(s): "
                + "; ".join(f"{f['item']}: {f['error']}" for f in report.failures[:5])
            )
        return report

    def notify(self, report: Report) -> None:
        if not (self.sns and self.s.notify_topic_arn):
            return
        try:
            self.sns.publish(
                TopicArn=self.s.notify_topic_arn,
                Subject="failsafe parameter copier: failures",
                Message=json.dumps({"copier": "parameters", **report.as_dict()}, indent=1),
            )
        except Exception:
            LOG.exception("failure notice could not be published")


def handler(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    settings = Settings.from_env()
    sess = aws.session(settings.region)
    # prod through its read-only role, for 15 minutes (one run)
    prod = aws.session(
        settings.source_region or settings.region,
        role_arn=settings.prod_read_role_arn,
        session_name=SESSION_NAME,
        seconds=900,
        base=sess,
    )
    account = settings.prod_read_role_arn.split(":")[4]
    copier = ParamsCopier(
        settings,
        aws.client(prod, "ssm"),
        aws.client(prod, "secretsmanager"),
        aws.client(sess, "ssm"),
        aws.client(sess, "secretsmanager"),
        aws.client(sess, "sns"),
        source_account=account,
    )
    report = copier.run()
    LOG.info("params report %s", json.dumps(report.as_dict()))
    return report.as_dict()
