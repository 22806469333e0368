"""The evaluator's vocabulary: the request it is asked about, the answer it gives, and three-valued truth.

Values that Pulumi cannot know at preview (any string containing :data:`UNKNOWN`) make the parts of a policy or a
request that hold them three-valued: ``True``, ``False`` or ``None`` ("depends on a value unknown at preview", and
also "depends on something the documentation does not settle"). The helpers here combine such values.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""Pulumi's unknown-at-preview sentinel; any string containing it is unknown."""

Tri = bool | None
"""Three-valued truth: ``None`` means "not known"."""


class Decision(enum.Enum):
    ALLOW = "allow"
    DENY = "deny"  # an explicit Deny applies
    IMPLICIT_DENY = "implicit-deny"  # no Deny applies, but nothing (or not enough) allows
    UNKNOWN = "unknown"  # the known parts of the request and policies do not decide it


@dataclass(frozen=True)
class Match:
    """One policy statement that took part in a decision."""

    source: str
    sid: str
    effect: str


@dataclass(frozen=True)
class Principal:
    """The caller. A role session is given by its ROLE arn (it then stands for any session of the role); an
    assumed-role session ARN is accepted too. ``service``/``federated`` name AWS service and web-identity callers.

    ``service_linked``: the caller is a service-linked role (or a session of one). AWS Organizations SCPs and RCPs do
    not apply to service-linked roles; the evaluator does not guess it from the role's path, which the IAM User Guide
    does not define as the test, so the caller says so."""

    arn: str
    account: str
    service: str = ""
    federated: str = ""
    service_linked: bool = False


@dataclass(frozen=True)
class Request:
    """One API call. ``context`` holds condition keys (looked up case-insensitively); an absent key is "not present".
    ``aws:PrincipalArn``, ``aws:PrincipalAccount``, ``aws:PrincipalServiceName``, ``aws:PrincipalIsAWSService``,
    ``aws:ResourceAccount``, for IAM users ``aws:username``, and with an organization ``aws:PrincipalOrgID`` and
    ``aws:ResourceOrgID`` are derived from the principal and the resource account unless the context gives them (a
    value of ``None`` removes a key).

    ``aws_managed_key``: the resource is an AWS managed KMS key (``aws/s3``...), to which RCPs do not apply."""

    principal: Principal
    action: str
    resource: str
    resource_account: str
    context: Mapping[str, Any] = field(default_factory=dict)
    aws_managed_key: bool = False


@dataclass(frozen=True)
class Result:
    decision: Decision
    reason: str
    matches: tuple[Match, ...]


def not_(value: Tri) -> Tri:
    return None if value is None else not value


def any_(values: Iterable[Tri]) -> Tri:
    result: Tri = False
    for value in values:
        if value:
            return True
        if value is None:
            result = None
    return result


def all_(values: Iterable[Tri]) -> Tri:
    result: Tri = True
    for value in values:
        if value is False:
            return False
        if value is None:
            result = None
    return result
