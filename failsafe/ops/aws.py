"""Sessions, clients, retries and paging: the one place that decides how failsafe.ops talks to AWS.

Everything in this package, the Lambda handlers and the operator CLI alike, gets its session from :func:`session`
and its clients from :func:`client`; nothing else calls ``boto3.Session`` or ``Session.client``.

**Retries are botocore's own** ``standard`` mode, the only retry mechanism in the package. ``total_max_attempts``
counts *tries* (the first one included; botocore ``Config`` docstring: ``max_attempts`` would count retries, so
``max_attempts=1`` is two tries): every call is tried at most :data:`ATTEMPTS` times. Standard mode retries
throttling (its list: ``Throttling``, ``ThrottlingException``, ``RequestLimitExceeded`` (EC2), ``SlowDown`` (S3),
``PriorRequestNotComplete`` (Route 53), ``TooManyRequestsException``, ... and any HTTP 429), transient errors
(HTTP 500/502/503/504, ``RequestTimeout``, connection errors) and errors a service model marks retryable, with
full-jitter exponential backoff (``rand(0, 1) * min(2 ** n, 20)`` s for throttling) and a client-wide retry quota
that stops retrying when most calls fail (botocore ``botocore/retries/standard.py``, 1.44). The one code failsafe
meets that standard mode does not know, EC2's ``SnapshotCreationPerVolumeRateExceeded`` (CopySnapshot: "wait at
least 10 seconds before retrying", EC2 API Reference, "Error codes"), is answered in the same retry loop by
:class:`_AlsoThrottling`, a ``needs-retry`` handler bounded by the same attempt count: one loop, one count.

**Paging** is botocore's paginators (:func:`pages`), which the retries sit under: a throttled page is retried on
its own, inside the call, and the paginator never sees it.

**Refusals** name what was refused: the client records the IAM action and the resource on every error it raises
(:func:`_name_the_refusal`), so the CLI's one line says ``access denied: s3:ListBucketVersions on
arn:aws:s3:::bucket`` even where AWS's message is a bare "Access Denied" (S3 across accounts), and ``AWS refused
ListObjectsV2 on arn:aws:s3:::bucket: NoSuchBucket`` where AWS names no bucket.

Endpoints come from boto3's own settings (``AWS_ENDPOINT_URL`` points everything at a moto server in tests).
boto3 + stdlib only: this module is part of the Lambda bundle.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping
from typing import Any

import boto3
import botocore.session
from botocore.config import Config
from botocore.exceptions import ProfileNotFound
from botocore.loaders import Loader
from botocore.paginate import Paginator
from botocore.retries import standard

from failsafe.ops.errors import UsageError, error_code

ATTEMPTS = 5  # tries per AWS call, the first one included (botocore total_max_attempts)
CONNECT_TIMEOUT, READ_TIMEOUT = 10, 60
# Codes failsafe meets that botocore's standard retries do not treat as throttling, per service (see the docstring).
ALSO_THROTTLING = {"ec2": frozenset({"SnapshotCreationPerVolumeRateExceeded"})}
# S3 operations whose IAM action has another name (Service Authorization Reference, "Actions, resources, and
# condition keys for Amazon S3", column "Actions" against the API operation); every other operation of every service
# failsafe calls is "<signing name>:<operation>".
S3_ACTIONS = {
    "ListObjectVersions": "ListBucketVersions",
    "ListObjectsV2": "ListBucket",
    "ListObjects": "ListBucket",
    "HeadBucket": "ListBucket",
    "HeadObject": "GetObject",
    "CopyObject": "PutObject",
    "UploadPartCopy": "PutObject",
    "CreateMultipartUpload": "PutObject",
    "CompleteMultipartUpload": "PutObject",
    "ListBuckets": "ListAllMyBuckets",
    "GetBucketReplication": "GetReplicationConfiguration",
    "GetBucketLifecycleConfiguration": "GetLifecycleConfiguration",
    "GetBucketEncryption": "GetEncryptionConfiguration",
}


class SettingsError(UsageError):
    """A missing or malformed environment variable of a Lambda handler; the message names it."""


def required_env(env: Mapping[str, str], name: str) -> str:
    """``env[name]`` stripped, or SettingsError: the RecoveryFunctions component sets every one of them."""
    value = (env.get(name) or "").strip()
    if not value:
        raise SettingsError(f"environment variable {name} is not set (set by the RecoveryFunctions component)")
    return value


# --- sessions -------------------------------------------------------------------------------------------------

_LOADER: list[Loader] = []  # botocore's data loader, shared by every session this process makes
_LOADER_LOCK = threading.Lock()


def new_session(**kwargs: Any) -> boto3.Session:
    """``boto3.Session(**kwargs)`` on a botocore session that shares one data loader with every other: the loader
    caches the service models and endpoint rules it has parsed (botocore ``loaders.instance_cache``), which are two
    thirds of the cost of a client (0.4 s for a session's seven clients, 0.12 s shared, measured here). A fleet run
    makes a session per member account; the models are the same for all of them."""
    made = botocore.session.Session()
    with _LOADER_LOCK:
        if _LOADER:
            made.register_component("data_loader", _LOADER[0])
        else:
            _LOADER.append(made.get_component("data_loader"))
        sess = boto3.Session(botocore_session=made, **kwargs)
        paths = _LOADER[0].search_paths  # boto3 appends its own data path once per session: keep each path once
        paths[:] = list(dict.fromkeys(paths))
    made.get_scoped_config()  # an unknown profile is ProfileNotFound here, as boto3.Session(profile_name=...) raises
    return sess


def session(
    region: str | None = None,
    *,
    profile: str | None = None,
    flag: str = "--profile",
    role_arn: str | None = None,
    external_id: str | None = None,
    mfa_serial: str | None = None,
    token_code: str | None = None,
    session_name: str = "failsafe",
    seconds: int = 3600,
    base: boto3.Session | None = None,
) -> boto3.Session:
    """A session for one role: the ambient credentials (a Lambda's role), a profile of ``~/.aws/config`` (which may
    itself assume a role, with MFA), or ``role_arn`` assumed from either, with an external ID or an MFA device.

    ``flag`` names the option the profile came from, for the one-line error when it does not exist.
    """
    if base is None:
        try:
            base = new_session(profile_name=profile, region_name=region)
        except ProfileNotFound:
            given = f"{flag} {profile!r}" if profile else f"AWS_PROFILE {os.environ.get('AWS_PROFILE')!r}"
            raise UsageError(f"{given}: expected a profile in ~/.aws/config") from None
    if not role_arn:
        return base
    if bool(mfa_serial) != bool(token_code):
        raise UsageError("an MFA device and its current token code go together: give both or neither")
    request: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": session_name, "DurationSeconds": seconds}
    if external_id:
        request["ExternalId"] = external_id
    if mfa_serial:
        request |= {"SerialNumber": mfa_serial, "TokenCode": token_code}
    creds = client(base, "sts", region).assume_role(**request)["Credentials"]
    return new_session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name=region or base.region_name,
    )


def lambda_region(env: Mapping[str, str] = os.environ) -> str:
    """The region a Lambda runs in (``AWS_REGION``, set by the runtime; ``AWS_DEFAULT_REGION`` as a fallback)."""
    return required_env(env, "AWS_REGION") if env.get("AWS_REGION") else required_env(env, "AWS_DEFAULT_REGION")


# --- clients --------------------------------------------------------------------------------------------------


def client_config(attempts: int = ATTEMPTS, pool: int = 10) -> Config:
    """botocore's standard retries at ``attempts`` tries in all; ``pool`` connections for parallel callers."""
    if attempts < 1:
        raise ValueError(f"attempts {attempts}: expected at least 1")
    return Config(
        retries={"mode": "standard", "total_max_attempts": attempts},
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
        max_pool_connections=max(10, pool),
    )


def client(
    sess: boto3.Session, service: str, region: str | None = None, *, attempts: int = ATTEMPTS, pool: int = 10
) -> Any:
    """The one client factory (see the module docstring for what every client gets)."""
    made = sess.client(service, region_name=region or sess.region_name, config=client_config(attempts, pool))
    events = made.meta.events
    service_id = made.meta.service_model.service_id.hyphenize()
    if service in ALSO_THROTTLING:
        events.register(f"needs-retry.{service_id}", _AlsoThrottling(ALSO_THROTTLING[service], attempts))
    events.register(f"before-parameter-build.{service_id}", _remember_request)
    events.register(f"after-call.{service_id}", _name_the_refusal)
    return made


class _AlwaysThrottling:
    """For :class:`standard.ExponentialBackoff`: the codes :class:`_AlsoThrottling` answers are throttling."""

    def is_throttling_error_from_context(self, context: Any) -> bool:
        return True


class _AlsoThrottling:
    """A ``needs-retry`` handler for codes botocore's standard mode does not retry: the same attempt count
    (botocore's ``attempts``, 1-based), the same backoff (:class:`standard.ExponentialBackoff` at the throttling
    scale). It answers None for every other response, so botocore's own handler decides those."""

    def __init__(self, codes: frozenset[str], attempts: int) -> None:
        self.codes, self.attempts = codes, attempts
        self.backoff = standard.ExponentialBackoff(throttling_detector=_AlwaysThrottling())

    def __call__(self, response: Any = None, attempts: int = 1, **kwargs: Any) -> float | None:
        if response is None or attempts >= self.attempts:
            return None
        http, parsed = response
        if (parsed.get("Error") or {}).get("Code") not in self.codes:
            return None
        context = standard.RetryContext(
            attempt_number=attempts,
            operation_model=kwargs.get("operation"),
            parsed_response=parsed,
            http_response=http,
            request_context=(kwargs.get("request_dict") or {}).get("context"),
        )
        delay: float = self.backoff.delay_amount(context)
        return delay


def _remember_request(params: Mapping[str, Any], context: dict[str, Any], **_: Any) -> None:
    context["failsafe_params"] = dict(params)


def iam_action(service_model: Any, operation: str) -> str:
    """The IAM action of an API operation (S3's renamed ones from :data:`S3_ACTIONS`)."""
    prefix = service_model.signing_name
    return f"{prefix}:{S3_ACTIONS.get(operation, operation) if prefix == 's3' else operation}"


def resource_of(params: Mapping[str, Any]) -> str:
    """The resource a request names: an S3 bucket/key as its ARN, else its first ARN, ID or name parameter."""
    if isinstance(params.get("Bucket"), str):
        key = params.get("Key")
        return f"arn:aws:s3:::{params['Bucket']}" + (f"/{key}" if isinstance(key, str) and key else "")
    for suffix in (("Arn", "ARN"), ("Id", "Identifier", "Name", "Ids", "Identifiers", "Names")):
        for name, value in params.items():
            if name.endswith(suffix) and value:
                return value if isinstance(value, str) else ", ".join(str(v) for v in value)
    return "*"


def _name_the_refusal(
    http_response: Any, parsed: dict[str, Any], model: Any, context: Mapping[str, Any], **_: Any
) -> None:
    """On an error, record the IAM action and the resource on the error the client is about to raise, so its one
    line names them (``AWS refused ListObjectsV2 on arn:aws:s3:::bucket: NoSuchBucket``)."""
    error = parsed.get("Error")
    if http_response.status_code < 300 or not isinstance(error, dict):
        return
    error["FailsafeAction"] = iam_action(model.service_model, model.name)
    error["FailsafeResource"] = resource_of(context.get("failsafe_params") or {})


# --- paging ---------------------------------------------------------------------------------------------------


def pages(client_: Any, operation: str, *, config: Mapping[str, Any] | None = None, **params: Any) -> Any:
    """botocore's paginator over ``operation`` (the client's method name), as an iterable of pages.

    ``config`` is a paginator definition (``input_token``, ``output_token``, ``result_key``, ``limit_key``) for the
    few operations botocore ships none for; botocore's own :class:`Paginator` then pages them all the same.
    """
    if config is None:
        return client_.get_paginator(operation).paginate(**params)
    name = client_.meta.method_to_api_mapping[operation]
    model = client_.meta.service_model.operation_model(name)
    return Paginator(getattr(client_, operation), dict(config), model).paginate(**params)


def items(client_: Any, operation: str, key: str, **params: Any) -> Iterator[Any]:
    """Every ``key`` item of every page of ``operation``."""
    for page in pages(client_, operation, **params):
        yield from page.get(key) or ()


def describe(exc: BaseException) -> str:
    """One line for an error met inside a check or an item (the check's evidence, the item's failure)."""
    code = error_code(exc)
    if code is None:
        return f"{type(exc).__name__}: {exc}"
    response: dict[str, Any] = getattr(exc, "response", {})
    message = (response.get("Error") or {}).get("Message") or ""
    meta = response.get("ResponseMetadata") or {}
    tries = meta.get("RetryAttempts")
    after = f" after {int(tries) + 1} attempts" if meta.get("MaxAttemptsReached") and tries is not None else ""
    return f"{code}{after}: {message}" if message else f"{code}{after}"
