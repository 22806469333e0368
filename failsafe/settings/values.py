"""Typed reads of raw config values, each refusal a :class:`~failsafe.settings.errors.ConfigError` naming the key and
showing the value as written.

``get(key)`` returns what the Pulumi engine hands the program for ``failsafe:<key>`` (a string; lists as JSON text) or
None; :func:`failsafe.settings.config.load_mapping` passes plain Python values the same way. :class:`Raw` remembers the
text of every key it read (:attr:`Raw.written`), so a refusal made later, far from the read (a derived name, a
component's argument check, dr's outputs), still shows the value the person wrote.
"""

from __future__ import annotations

import builtins
import json
import re
from collections.abc import Callable
from functools import cache
from typing import Any

from failsafe.settings.errors import ConfigError

Getter = Callable[[str], Any]

ACCOUNT_ID = re.compile(r"^\d{12}$")
NAME_PREFIX = re.compile(r"^[a-z][a-z0-9-]{1,20}[a-z0-9]$")
BUCKET_LABEL = re.compile(r"^[a-z0-9][a-z0-9-]*[a-z0-9]$")
ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")
GITHUB_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


def text_of(value: object) -> str | None:
    """The text the engine would hand the program for ``value``: strings as they are, lists and maps as JSON, booleans
    as ``true``/``false`` (a test may pass Python values through :func:`~failsafe.settings.config.load_mapping`)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (bool, list, tuple, dict)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


class Raw:
    """Typed access to raw config strings, each failure a ConfigError naming the key and showing its text."""

    def __init__(self, get: Getter) -> None:
        self._get = get
        self.written: dict[builtins.str, builtins.str | None] = {}

    def get(self, key: builtins.str) -> Any:
        value = self._get(key)
        self.written[key] = text_of(value)
        return value

    def text(self, key: builtins.str) -> builtins.str | None:
        """The key's value as written (None: not set)."""
        return text_of(self.get(key))

    def refuse(self, key: builtins.str, expected: builtins.str) -> ConfigError:
        """A refusal of ``key`` showing its whole value as written."""
        return ConfigError(key, self.text(key), expected)

    def opt_str(self, key: builtins.str) -> builtins.str | None:
        value = self.get(key)
        if value is None:
            return None
        text = str(value).strip()
        return text or None

    def str(self, key: builtins.str, expected: builtins.str = "a non-empty string") -> builtins.str:
        value = self.opt_str(key)
        if value is None:
            raise self.refuse(key, expected)
        return value

    def choice(self, key: builtins.str, choices: tuple[builtins.str, ...]) -> builtins.str:
        value = self.str(key, f"one of {', '.join(choices)}")
        if value not in choices:
            raise self.refuse(key, f"one of {', '.join(choices)}")
        return value

    def int(self, key: builtins.str, low: int, high: int, extra: builtins.str = "") -> int:
        expected = f"a whole number from {low} to {high}{extra}"
        raw = self.get(key)
        if raw is None or str(raw).strip() == "":
            raise ConfigError(key, None, expected)
        try:
            value = int(str(raw).strip())
        except ValueError:
            raise self.refuse(key, expected) from None
        if not low <= value <= high:
            text = str(raw).strip()
            raise ConfigError(key, value if str(value) == text else text, expected)  # 90 as 90, 060 as '060'
        return value

    def bool(self, key: builtins.str) -> bool:
        raw = self.get(key)
        if raw is None:
            raise ConfigError(key, None, "true or false")
        text = text_of(raw) or ""
        if text.strip().lower() not in ("true", "false"):
            raise self.refuse(key, "true or false")
        return text.strip().lower() == "true"

    def str_list(self, key: builtins.str) -> tuple[builtins.str, ...]:
        raw = self.get(key)
        if raw is None:
            raise ConfigError(key, None, "a list of strings")
        try:
            value = json.loads(raw) if isinstance(raw, str) else raw
        except json.JSONDecodeError:
            raise self.refuse(key, "a list of strings (a YAML list in the stack file)") from None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.refuse(key, "a list of strings")
        return tuple(v.strip() for v in value)


@cache
def known_regions() -> frozenset[str]:
    """Regions from botocore's endpoint data, so no region list is hand-kept in code."""
    import botocore.session

    session = botocore.session.get_session()
    regions: set[str] = set()
    for partition in session.get_available_partitions():
        for service in ("ec2", "s3", "iam"):
            regions.update(session.get_available_regions(service, partition_name=partition))
    return frozenset(regions)


def account(raw: Raw, key: str) -> str:
    value = raw.str(key, "a 12-digit AWS account ID, e.g. 123456789012")
    if not ACCOUNT_ID.match(value):
        raise raw.refuse(key, "a 12-digit AWS account ID, e.g. 123456789012")
    return value


def region(raw: Raw, key: str) -> str:
    value = raw.str(key, "an AWS region name such as eu-west-1")
    if value not in known_regions():
        raise raw.refuse(key, "an AWS region name known to botocore, such as eu-west-1")
    return value


def is_hostname(text: str) -> bool:
    labels = text.rstrip(".").split(".")
    return len(labels) >= 2 and all(re.fullmatch(r"[A-Za-z0-9*]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?", x) for x in labels)


SUBSCRIPTION_PROTOCOLS = ("email", "email-json", "https", "sms", "sqs", "lambda", "firehose")


def sns_subscription(key: str, text: str | None) -> tuple[str, str] | None:
    """An SNS subscription as config writes it (``email:ops@example.com``, ``https://hooks.example.com/x``,
    ``sms:+15555550100``, ``sqs:<queue arn>``, ``lambda:<function arn>``) -> (protocol, endpoint); None when empty."""
    if text is None:
        return None
    protocol, endpoint = ("https", text) if text.startswith("https://") else text.partition(":")[::2]
    valid = {
        "email": re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", endpoint),
        "email-json": re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", endpoint),
        "https": re.fullmatch(r"https://[^\s]+", endpoint),
        "sms": re.fullmatch(r"\+\d{6,15}", endpoint),
        "sqs": re.fullmatch(r"arn:aws[\w-]*:sqs:[\w-]+:\d{12}:[\w.-]+", endpoint),
        "lambda": re.fullmatch(r"arn:aws[\w-]*:lambda:[\w-]+:\d{12}:function:[\w.:-]+", endpoint),
        "firehose": re.fullmatch(r"arn:aws[\w-]*:firehose:[\w-]+:\d{12}:deliverystream/[\w.-]+", endpoint),
    }
    if protocol not in SUBSCRIPTION_PROTOCOLS or not valid.get(protocol):
        raise ConfigError(
            key,
            text,
            "'email:<address>', 'https://<url>', 'sms:+<number>', 'sqs:<queue arn>' or 'lambda:<function arn>'",
        )
    return protocol, endpoint
