"""Sessions and clients: one place that decides how this package talks to AWS.

Endpoints come from boto3's own settings (``AWS_ENDPOINT_URL`` points everything at a moto server in
tests). botocore's retries are off (one attempt) because :mod:`failsafe.ops.retry` is the single retry layer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import boto3
from botocore.config import Config


def client_config() -> Config:
    return Config(retries={"mode": "standard", "max_attempts": 1}, connect_timeout=10, read_timeout=60)


def session(region: str | None = None) -> boto3.Session:
    """The ambient session (Lambda role, operator profile). Tests replace this function."""
    return boto3.Session(region_name=region)


def client(sess: boto3.Session, service: str, region: str | None = None) -> Any:
    return sess.client(service, region_name=region or sess.region_name, config=client_config())


class SettingsError(ValueError):
    """A missing or malformed environment variable of a Lambda handler; the message names it."""


def required_env(env: Mapping[str, str], name: str) -> str:
    """``env[name]`` stripped, or SettingsError: the RecoveryFunctions component sets every one of them."""
    value = (env.get(name) or "").strip()
    if not value:
        raise SettingsError(f"environment variable {name} is not set (set by the RecoveryFunctions component)")
    return value
