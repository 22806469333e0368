"""Principals: who a Principal or NotPrincipal element names, and how strongly it names a caller.

Sources: IAM User Guide, "AWS JSON policy elements: Principal" (AWS account principals, IAM role principals, role
session principals, AWS STS federated principals, service principals; an account ARN or ID delegates to the account,
whose identity policies must then allow) and "AWS JSON policy elements: NotPrincipal" (with Deny, AWS may check the
account, then the role, then the session, so every link of the caller's chain must be listed to be exempt).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from failsafe.tooling.access.iam.model import UNKNOWN, Principal, Tri, all_, any_
from failsafe.tooling.access.iam.patterns import Glob, glob, match_unknown_value, strings

_IAM_ARN = re.compile(r"arn:([^:]+):(iam|sts)::([^:]*):(.*)", re.DOTALL)
ACCOUNT_ID = re.compile(r"\d{12}")
_OIDC_PROVIDER = re.compile(r"arn:[^:]+:iam::[^:]*:oidc-provider/(.+)", re.DOTALL)
DIRECT, ROLE, ACCOUNT = 3, 2, 1
"""Strength of a resource-policy grant: to the caller itself (user, session, "*", service); to the caller's role ARN
(still capped by a boundary or session policy); to the caller's account (the identity side must allow too)."""


@dataclass(frozen=True, slots=True)
class _PrincipalValue:
    raw: str
    kind: str  # "*", "account", "role", "session", "arn" (users and anything else: exact), "unknown"
    account: str = ""
    role: str = ""
    session: str = ""
    glob: Glob | None = None


def _principal_value(raw: str) -> _PrincipalValue:
    if raw == "*":
        return _PrincipalValue(raw, "*")
    if UNKNOWN in raw:
        return _PrincipalValue(raw, "unknown", glob=glob(raw, wild=False, fold=False))
    if ACCOUNT_ID.fullmatch(raw):
        return _PrincipalValue(raw, "account", account=raw)
    parsed = _IAM_ARN.fullmatch(raw)
    if parsed:
        service, account, rest = parsed.group(2), parsed.group(3), parsed.group(4)
        if service == "iam" and rest == "root":
            return _PrincipalValue(raw, "account", account=account)
        if service == "iam" and rest.startswith("role/"):
            return _PrincipalValue(raw, "role", account=account, role=rest.rsplit("/", 1)[-1])
        if service == "sts" and rest.startswith("assumed-role/") and rest.count("/") >= 2:
            _, role, session = rest.split("/", 2)
            return _PrincipalValue(raw, "session", account=account, role=role, session=session)
    return _PrincipalValue(raw, "arn")


@dataclass(frozen=True, slots=True)
class PrincipalSpec:
    star: bool
    aws: tuple[_PrincipalValue, ...]
    services: tuple[Glob, ...]
    federated: tuple[Glob, ...]
    unknown: bool  # the whole element is unknown


def principal_spec(element: Any, what: str) -> PrincipalSpec:
    if isinstance(element, str):
        if element == "*":
            return PrincipalSpec(True, (), (), (), False)
        if UNKNOWN in element:
            return PrincipalSpec(False, (), (), (), True)
        raise ValueError(f'{what}: Principal must be "*" or a mapping, got {element!r}')
    if not isinstance(element, Mapping):
        raise ValueError(f'{what}: Principal must be "*" or a mapping, got {element!r}')
    aws: list[_PrincipalValue] = []
    services: list[Glob] = []
    federated: list[Glob] = []
    star = False
    for kind, values in element.items():
        names = strings(values, what)
        if kind == "AWS":
            aws.extend(_principal_value(name) for name in names)
            star = star or "*" in names
        elif kind == "Service":
            services.extend(glob(name, wild=False, fold=True) for name in names)
        elif kind == "Federated":
            for name in names:
                federated.append(glob(name, wild=False, fold=True))
                # Trust policies name an OIDC provider by its IAM ARN; the caller is known by the provider's host.
                provider = _OIDC_PROVIDER.fullmatch(name)
                if provider:
                    federated.append(glob(provider.group(1), wild=False, fold=True))
        # CanonicalUser and other kinds name no caller this module models.
    return PrincipalSpec(star, tuple(aws), tuple(services), tuple(federated), False)


@dataclass(frozen=True, slots=True)
class Caller:
    kind: str  # "aws", "service", "federated", or "anonymous" (no principal at all: not modelled)
    arn: str
    account: str
    partition: str = "aws"
    role: str = ""  # role name, for role and assumed-role callers
    session: str = ""  # session name, for assumed-role callers only
    is_user: bool = False
    is_root: bool = False
    name: str = ""  # service or federated provider, for those callers
    service_linked: bool = False

    @property
    def label(self) -> str:
        return self.name if self.kind in ("service", "federated") else (self.arn or f"account {self.account}")


@functools.lru_cache(maxsize=4096)
def caller_of(principal: Principal) -> Caller:
    if principal.service:
        return Caller("service", principal.arn, principal.account, name=principal.service)
    if principal.federated:
        return Caller("federated", principal.arn, principal.account, name=principal.federated)
    arn = principal.arn
    if not arn and not principal.account:
        return Caller("anonymous", "", "")
    parsed = _IAM_ARN.fullmatch(arn) if UNKNOWN not in arn else None
    partition, role, session, is_user, is_root = "aws", "", "", False, False
    if parsed:
        partition, service, rest = parsed.group(1), parsed.group(2), parsed.group(4)
        if service == "iam" and rest.startswith("role/"):
            role = rest.rsplit("/", 1)[-1]
        elif service == "sts" and rest.startswith("assumed-role/") and rest.count("/") >= 2:
            _, role, session = rest.split("/", 2)
        elif service == "iam" and rest.startswith("user/"):
            is_user = True
        elif service == "iam" and rest == "root":
            is_root = True
    linked = principal.service_linked
    return Caller("aws", arn, principal.account, partition, role, session, is_user, is_root, service_linked=linked)


def _account_is(account: str, caller: Caller) -> Tri:
    if UNKNOWN in caller.account:
        return None
    return account == caller.account


def _value_strength(value: _PrincipalValue, caller: Caller) -> tuple[int, int]:
    """(known, possible) strength with which one Principal value names an AWS caller; 0 = does not name it."""
    kind = value.kind
    if kind == "*":
        return DIRECT, DIRECT
    if kind == "account":
        named = _account_is(value.account, caller)
        return (ACCOUNT if named else 0), (ACCOUNT if named is not False else 0)
    if kind == "unknown":
        assert value.glob is not None
        forms = [caller.arn, caller.account, f"arn:{caller.partition}:iam::{caller.account}:root"]
        if caller.role:
            forms.append(f"arn:{caller.partition}:sts::{caller.account}:assumed-role/{caller.role}/{UNKNOWN}")
        possible = any_(value.glob.match(form, {}) for form in forms if form)
        return 0, (DIRECT if possible is not False else 0)
    strength = ROLE if kind == "role" else DIRECT
    if UNKNOWN in caller.arn:
        possible = match_unknown_value((value.raw,), caller.arn, False, False)
        return 0, (strength if possible is not False else 0)
    if kind == "arn":
        return (DIRECT, DIRECT) if value.raw == caller.arn else (0, 0)
    if not caller.role or value.role != caller.role or value.account != caller.account:
        return 0, 0
    if kind == "role":
        # A role ARN names the role itself and, by name, the role behind an assumed-role session ARN.
        same = value.raw == caller.arn or bool(caller.session)
        return (ROLE, ROLE) if same else (0, 0)
    # An assumed-role session ARN: a caller given by role ARN stands for any of its sessions.
    same = not caller.session or value.session == caller.session
    return (DIRECT, DIRECT) if same else (0, 0)


def _names(globs: tuple[Glob, ...], name: str) -> Tri:
    return any_(pattern.match(name, {}) for pattern in globs)


def principal_strength(spec: PrincipalSpec, caller: Caller) -> tuple[int, int]:
    if spec.unknown:
        return 0, DIRECT
    if spec.star:
        return DIRECT, DIRECT
    if caller.kind != "aws":
        named = _names(spec.services if caller.kind == "service" else spec.federated, caller.name)
        return (DIRECT if named else 0), (DIRECT if named is not False else 0)
    known = possible = 0
    for value in spec.aws:
        value_known, value_possible = _value_strength(value, caller)
        known, possible = max(known, value_known), max(possible, value_possible)
    return known, possible


def exempt(spec: PrincipalSpec, caller: Caller) -> Tri:
    """Whether a NotPrincipal element exempts the caller. AWS may check the account, then the role, then the session
    (IAM User Guide, NotPrincipal with Deny), so every link of the caller's chain must be listed to be exempt."""
    if spec.unknown:
        return None
    if spec.star:
        return True
    if caller.kind != "aws":
        return _names(spec.services if caller.kind == "service" else spec.federated, caller.name)

    def listed(kinds: tuple[str, ...]) -> Tri:
        found: Tri = False
        for value in spec.aws:
            if value.kind in kinds or value.kind == "unknown":
                known, possible = _value_strength(value, caller)
                if known:
                    return True
                if possible:
                    found = None
        return found

    links = [listed(("account",))]
    if caller.role:
        links += [listed(("role",)), listed(("session",))]
    elif not caller.is_root:
        links.append(listed(("arn", "role", "session")))
    return all_(links)
