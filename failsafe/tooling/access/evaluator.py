"""Offline evaluation of AWS IAM policy logic for one request, with Pulumi's unknown-at-preview values.

The access checks ask questions like "can the replication role write to the replica bucket in the DR account?" of
the policies a plan declares, without credentials and before anything exists. This module answers one such question
at a time, following the IAM User Guide: explicit Deny wins everywhere; SCPs, permissions boundaries and session
policies cap identity-based grants; within one account an Allow in identity OR resource policies suffices, except that
KMS key policies and role trust policies are required; across accounts both sides must allow. Values that Pulumi
cannot know at preview (any string containing :data:`UNKNOWN`) make the affected statements three-valued, and the
answer is :attr:`Decision.UNKNOWN` unless the known parts already decide it.

Why our own: no maintained Python library evaluates resource policies with conditions and cross-account rules
offline. principalmapper 1.1.5 (last release January 2022, AGPL-3.0) has a local simulator, but it is bound to its
own account-graph model, matches Resource case-insensitively and does not match role sessions against role ARNs.
policyuniverse 1.5.1.20231109 (November 2023) parses policies and ARNs and lists who a resource policy names, but
evaluates no request across identity, resource, boundary and SCP policies. iam-ape 1.1.6 (May 2025) summarises the
identity side of one user or role (with boundaries), not resource policies or cross-account access. iamspy 0.0.1
(July 2022) is a self-declared work-in-progress Z3 model. aws-iam-tester 1.1.0 drives AWS's online policy simulator
(credentials, existing principals); cloudsplaining 0.9.1 reports risky identity policies and evaluates no request.
The maintained simulator we found, @cloud-copilot/iam-simulate, is TypeScript. None models unknown values.

Semantics this module implements and its tests pin (IAM User Guide page per rule): see
``tests/tooling/test_access_evaluator.py``. Deliberate simplifications: a role caller is given by its role ARN and
stands for any session of that role; resource policies are evaluated for the account given as ``resource_account``
only (no RCPs, no VPC endpoint policies, no ACLs); service and web-identity callers are judged on resource policies
alone.
"""

from __future__ import annotations

import base64
import enum
import functools
import ipaddress
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""Pulumi's unknown-at-preview sentinel; any string containing it is unknown."""

Tri = bool | None
"""Three-valued truth: ``None`` means "depends on a value unknown at preview"."""


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
    assumed-role session ARN is accepted too. ``service``/``federated`` name AWS service and web-identity callers."""

    arn: str
    account: str
    service: str = ""
    federated: str = ""


@dataclass(frozen=True)
class Request:
    """One API call. ``context`` holds condition keys (looked up case-insensitively); an absent key is "not present".
    ``aws:PrincipalArn``, ``aws:PrincipalAccount``, ``aws:PrincipalServiceName``, ``aws:PrincipalIsAWSService``,
    ``aws:ResourceAccount`` and, for IAM users, ``aws:username`` are derived from the principal and the resource
    account unless the context gives them (a value of ``None`` removes a key)."""

    principal: Principal
    action: str
    resource: str
    resource_account: str
    context: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Result:
    decision: Decision
    reason: str
    matches: tuple[Match, ...]


@dataclass(frozen=True)
class Policy:
    """A parsed IAM policy document (a mapping, or its JSON text) and a label for reports.

    The document is compiled once, here, so that evaluating thousands of requests against it re-parses nothing; a
    malformed document raises ``ValueError`` naming ``source``. A document that is itself unknown (the sentinel, or a
    statement/Effect that is) is kept as a statement that may allow or deny anything."""

    document: Mapping[str, Any]
    source: str
    _statements: tuple[_Stmt, ...] = field(init=False, repr=False, compare=False)
    _by_action: dict[str, tuple[tuple[_Stmt, Tri], ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        document: Any = self.document
        if isinstance(document, str):
            try:
                document = json.loads(document)
            except json.JSONDecodeError as error:
                if UNKNOWN not in document:
                    raise ValueError(f"{self.source}: policy text is not JSON: {error}") from None
            else:
                object.__setattr__(self, "document", document)
        object.__setattr__(self, "_statements", _compile_policy(document, self.source))
        object.__setattr__(self, "_by_action", {})

    def _for_action(self, action: str) -> tuple[tuple[_Stmt, Tri], ...]:
        """The statements whose Action/NotAction may match ``action``, with that match. Actions carry no policy
        variables, so this is memoised per action: a check asks about few actions, thousands of times."""
        found = self._by_action.get(action)
        if found is None:
            found = tuple(
                (statement, hit)
                for statement in self._statements
                if (hit := _action_hit(statement, action)) is not False
            )
            if UNKNOWN not in action and len(self._by_action) < 1024:
                self._by_action[action] = found
        return found


# --- three-valued helpers ---------------------------------------------------------------------------------------------


def _not(value: Tri) -> Tri:
    return None if value is None else not value


def _any(values: Iterable[Tri]) -> Tri:
    result: Tri = False
    for value in values:
        if value:
            return True
        if value is None:
            result = None
    return result


def _all(values: Iterable[Tri]) -> Tri:
    result: Tri = True
    for value in values:
        if value is False:
            return False
        if value is None:
            result = None
    return result


# --- wildcard patterns ------------------------------------------------------------------------------------------------
# A pattern is a tuple of tokens: literal text, or one of the markers below. Tokens keep substituted policy-variable
# values literal (a "*" in a user name is not a wildcard) and make compiled regexes cacheable by value.

_STAR = "\0*"
_QMARK = "\0?"
_UNK = "\0U"
_VAR = "\0V"  # prefix of a policy-variable token: _VAR + "key\0default" (default may be absent)
_SPECIAL_VARS = {"*": "*", "?": "?", "$": "$"}
_VAR_SYNTAX = re.compile(r"\s*([^,]+?)\s*(?:,\s*'([^']*)')?\s*$")
_TOKENS_WILD_VARS = re.compile(r"\$\{([^}]*)\}|[*?]|" + re.escape(UNKNOWN))
_TOKENS_WILD = re.compile(r"[*?]|" + re.escape(UNKNOWN))
_TOKENS_VARS = re.compile(r"\$\{([^}]*)\}|" + re.escape(UNKNOWN))
_TOKENS_PLAIN = re.compile(re.escape(UNKNOWN))


def _tokenize(text: str, *, wild: bool, variables: bool) -> tuple[str, ...]:
    splitter = (
        (_TOKENS_WILD_VARS if variables else _TOKENS_WILD) if wild else (_TOKENS_VARS if variables else _TOKENS_PLAIN)
    )
    tokens: list[str] = []
    literal = ""
    position = 0
    for found in splitter.finditer(text):
        literal += text[position : found.start()]
        position = found.end()
        piece = found.group(0)
        if piece == UNKNOWN:
            token = _UNK
        elif piece == "*":
            token = _STAR
        elif piece == "?":
            token = _QMARK
        else:
            inner = found.group(1)
            if inner in _SPECIAL_VARS:
                literal += _SPECIAL_VARS[inner]
                continue
            parsed = _VAR_SYNTAX.match(inner)
            if parsed is None:
                literal += piece
                continue
            key, default = parsed.group(1).lower(), parsed.group(2)
            token = _VAR + key + ("" if default is None else "\0" + default)
        if literal:
            tokens.append(literal)
            literal = ""
        tokens.append(token)
    literal += text[position:]
    if literal:
        tokens.append(literal)
    return tuple(tokens)


def _is_special(token: str) -> bool:
    return token[:1] == "\0"


def _substitute(tokens: tuple[str, ...], context: Mapping[str, tuple[str, ...]]) -> tuple[str, ...] | None:
    """Replace policy variables by request values; ``None`` when one has no value (AWS: the element matches
    nothing). Only single-valued keys can be variables."""
    out: list[str] = []
    for token in tokens:
        if not token.startswith(_VAR):
            out.append(token)
            continue
        key, _, default = token[len(_VAR) :].partition("\0")
        values = context.get(key)
        if values is not None and len(values) == 1:
            value = values[0]
        elif "\0" in token[len(_VAR) :]:
            value = default
        else:
            return None
        pieces = value.split(UNKNOWN)
        for index, piece in enumerate(pieces):
            if index:
                out.append(_UNK)
            if piece:
                out.append(piece)
    merged: list[str] = []
    for token in out:
        if merged and not _is_special(token) and not _is_special(merged[-1]):
            merged[-1] += token
        else:
            merged.append(token)
    return tuple(merged)


@functools.lru_cache(maxsize=16384)
def _regex(tokens: tuple[str, ...], fold: bool, arn: bool) -> re.Pattern[str]:
    """Compile tokens. In ARN mode a wildcard stays within its colon-separated segment for the first five segments
    (partition, service, region, account) unless it is in the last segment written; in the resource part it
    matches anything (IAM User Guide, Resource element: wildcards; Condition operators: ARN)."""
    total = sum(token.count(":") for token in tokens if not _is_special(token)) if arn else 0
    colons = 0
    parts: list[str] = []
    for token in tokens:
        if token == _UNK:
            parts.append(".*")
        elif token in (_STAR, _QMARK):
            bounded = arn and colons < 5 and colons < total
            parts.append(("[^:]*" if token == _STAR else "[^:]") if bounded else (".*" if token == _STAR else "."))
        else:
            parts.append(re.escape(token))
            colons += token.count(":")
    return re.compile("".join(parts), re.DOTALL | (re.IGNORECASE if fold else 0))


def _atoms(tokens: tuple[str, ...], arn: bool) -> tuple[tuple[str, str], ...]:
    """Tokens as single-character atoms for :func:`_could_match`: ("c", char), ("?", "") / ("?", ":") for any
    character (but a colon), ("*", "") / ("*", ":") for any string (without a colon). UNKNOWN is any string."""
    total = sum(token.count(":") for token in tokens if not _is_special(token)) if arn else 0
    colons = 0
    atoms: list[tuple[str, str]] = []
    for token in tokens:
        if token == _UNK:
            atoms.append(("*", ""))
        elif token in (_STAR, _QMARK):
            bounded = arn and colons < 5 and colons < total
            atoms.append((token[1], ":" if bounded else ""))
        else:
            atoms.extend(("c", char) for char in token)
            colons += token.count(":")
    return tuple(atoms)


def _chars_meet(a: tuple[str, str], b: tuple[str, str], fold: bool) -> bool:
    """Whether two atoms accept a common character (a wildcard atom excludes at most a colon)."""
    if a[0] == "c" and b[0] == "c":
        return a[1].lower() == b[1].lower() if fold else a[1] == b[1]
    if a[0] == "c":
        return a[1] != b[1]
    if b[0] == "c":
        return b[1] != a[1]
    return True


@functools.lru_cache(maxsize=16384)
def _could_match(tokens: tuple[str, ...], value: str, fold: bool, arn: bool) -> bool:
    """Whether some completion of the UNKNOWN parts of ``value`` matches the pattern, i.e. whether two glob languages
    intersect: a search over (pattern position, value position) pairs. Cached, as previews repeat the same pairs."""
    pattern = _atoms(tokens, arn)
    text = _atoms(_tokenize(value, wild=False, variables=False), False)
    end = (len(pattern), len(text))
    seen = {(0, 0)}
    todo = [(0, 0)]
    while todo:
        i, j = todo.pop()
        if (i, j) == end:
            return True
        steps = []
        if i < len(pattern) and pattern[i][0] == "*":
            steps.append((i + 1, j))
        if j < len(text) and text[j][0] == "*":
            steps.append((i, j + 1))
        if i < len(pattern) and j < len(text) and _chars_meet(pattern[i], text[j], fold):
            step = (i if pattern[i][0] == "*" else i + 1, j if text[j][0] == "*" else j + 1)
            if step != (i, j):
                steps.append(step)
        for step in steps:
            if step not in seen:
                seen.add(step)
                todo.append(step)
    return False


def _match_unknown_value(tokens: tuple[str, ...], value: str, fold: bool, arn: bool) -> Tri:
    """Match a pattern against a request value that contains UNKNOWN: ``False`` when no completion of the value can
    match, ``True`` only when every completion does (a pattern of stars, or a known prefix then a trailing star)."""
    if tokens and all(token == _STAR for token in tokens):
        return True
    if not _could_match(tokens, value, fold, arn):
        return False
    if len(tokens) == 2 and tokens[1] == _STAR and not _is_special(tokens[0]):
        head, prefix = value[: value.find(UNKNOWN)], tokens[0]
        if head.lower().startswith(prefix.lower()) if fold else head.startswith(prefix):
            return True
    return None


def _match_tokens(tokens: tuple[str, ...], value: str, fold: bool, arn: bool) -> Tri:
    if UNKNOWN in value:
        return _match_unknown_value(tokens, value, fold, arn)
    hit = _regex(tokens, fold, arn).fullmatch(value) is not None
    if _UNK in tokens:
        return None if hit else False
    return hit


class _Glob:
    """One compiled pattern (an Action, a Resource, a condition value) with its fast paths precomputed."""

    __slots__ = ("arn", "fold", "literal", "match_all", "regex", "tokens", "unknown", "variables")

    def __init__(self, text: str, *, wild: bool, fold: bool, arn: bool = False, variables: bool = False) -> None:
        self.tokens = _tokenize(text, wild=wild, variables=variables)
        self.fold = fold
        self.arn = arn
        self.variables = any(token.startswith(_VAR) for token in self.tokens)
        self.unknown = _UNK in self.tokens
        self.match_all = bool(self.tokens) and all(token == _STAR for token in self.tokens)
        if not self.tokens:
            self.literal: str | None = ""
        elif len(self.tokens) == 1 and not _is_special(self.tokens[0]):
            self.literal = self.tokens[0].lower() if fold else self.tokens[0]
        else:
            self.literal = None
        compiled = self.literal is None and not self.variables
        self.regex = _regex(self.tokens, fold, arn) if compiled else None

    def match(self, value: str, context: Mapping[str, tuple[str, ...]]) -> Tri:
        if self.match_all:
            return True
        if self.variables:
            tokens = _substitute(self.tokens, context)
            return False if tokens is None else _match_tokens(tokens, value, self.fold, self.arn)
        if UNKNOWN in value:
            return _match_unknown_value(self.tokens, value, self.fold, self.arn)
        if self.literal is not None:
            return self.literal == (value.lower() if self.fold else value)
        assert self.regex is not None
        hit = self.regex.fullmatch(value) is not None
        if self.unknown:
            return None if hit else False
        return hit


class _GlobSet:
    """The patterns of one Action/Resource element, OR'ed. When none has a variable or an unknown, they are compiled
    into one alternation so that a statement costs one regex call, not a Python loop per pattern."""

    __slots__ = ("globs", "match_all", "regex")

    def __init__(self, globs: Sequence[_Glob]) -> None:
        self.globs = tuple(globs)
        self.match_all = any(glob.match_all for glob in self.globs)
        fast = bool(self.globs) and not any(glob.variables or glob.unknown for glob in self.globs)
        if fast:
            first = self.globs[0]
            alternatives = "|".join(f"(?:{_regex(glob.tokens, glob.fold, glob.arn).pattern})" for glob in self.globs)
            self.regex: re.Pattern[str] | None = re.compile(
                alternatives, re.DOTALL | (re.IGNORECASE if first.fold else 0)
            )
        else:
            self.regex = None

    def match(self, value: str, context: Mapping[str, tuple[str, ...]]) -> Tri:
        if self.match_all:
            return True
        if self.regex is not None and UNKNOWN not in value:
            return self.regex.fullmatch(value) is not None
        return _any(glob.match(value, context) for glob in self.globs)


def _strings(value: Any, what: str) -> list[str]:
    """A policy field that may be a string or a list of strings (numbers and booleans are written as JSON)."""
    items = value if isinstance(value, list | tuple) else [value]
    out = []
    for item in items:
        if isinstance(item, bool):
            out.append("true" if item else "false")
        elif isinstance(item, str | int | float):
            out.append(str(item))
        else:
            raise ValueError(f"{what}: expected a string or a list of strings, got {item!r}")
    return out


# --- principals -------------------------------------------------------------------------------------------------------

_IAM_ARN = re.compile(r"arn:([^:]+):(iam|sts)::([^:]*):(.*)", re.DOTALL)
_ACCOUNT_ID = re.compile(r"\d{12}")
_OIDC_PROVIDER = re.compile(r"arn:[^:]+:iam::[^:]*:oidc-provider/(.+)", re.DOTALL)
_DIRECT, _ROLE, _ACCOUNT = 3, 2, 1
"""Strength of a resource-policy grant: to the caller itself (user, session, "*", service); to the caller's role ARN
(still capped by a boundary or session policy); to the caller's account (the identity side must allow too)."""


@dataclass(frozen=True, slots=True)
class _PrincipalValue:
    raw: str
    kind: str  # "*", "account", "role", "session", "arn" (users and anything else: exact), "unknown"
    account: str = ""
    role: str = ""
    session: str = ""
    glob: _Glob | None = None


def _principal_value(raw: str) -> _PrincipalValue:
    if raw == "*":
        return _PrincipalValue(raw, "*")
    if UNKNOWN in raw:
        return _PrincipalValue(raw, "unknown", glob=_Glob(raw, wild=False, fold=False))
    if _ACCOUNT_ID.fullmatch(raw):
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
class _PrincipalSpec:
    star: bool
    aws: tuple[_PrincipalValue, ...]
    services: tuple[_Glob, ...]
    federated: tuple[_Glob, ...]
    unknown: bool  # the whole element is unknown


def _principal_spec(element: Any, what: str) -> _PrincipalSpec:
    if isinstance(element, str):
        if element == "*":
            return _PrincipalSpec(True, (), (), (), False)
        if UNKNOWN in element:
            return _PrincipalSpec(False, (), (), (), True)
        raise ValueError(f'{what}: Principal must be "*" or a mapping, got {element!r}')
    if not isinstance(element, Mapping):
        raise ValueError(f'{what}: Principal must be "*" or a mapping, got {element!r}')
    aws: list[_PrincipalValue] = []
    services: list[_Glob] = []
    federated: list[_Glob] = []
    star = False
    for kind, values in element.items():
        names = _strings(values, what)
        if kind == "AWS":
            aws.extend(_principal_value(name) for name in names)
            star = star or "*" in names
        elif kind == "Service":
            services.extend(_Glob(name, wild=False, fold=True) for name in names)
        elif kind == "Federated":
            for name in names:
                federated.append(_Glob(name, wild=False, fold=True))
                # Trust policies name an OIDC provider by its IAM ARN; the caller is known by the provider's host.
                provider = _OIDC_PROVIDER.fullmatch(name)
                if provider:
                    federated.append(_Glob(provider.group(1), wild=False, fold=True))
        # CanonicalUser and other kinds name no caller this module models.
    return _PrincipalSpec(star, tuple(aws), tuple(services), tuple(federated), False)


@dataclass(frozen=True, slots=True)
class _Caller:
    kind: str  # "aws", "service", "federated"
    arn: str
    account: str
    partition: str
    role: str  # role name, for role and assumed-role callers
    session: str  # session name, for assumed-role callers only
    is_user: bool
    is_root: bool
    name: str  # service or federated provider, for those callers

    @property
    def label(self) -> str:
        return self.name if self.kind != "aws" else (self.arn or f"account {self.account}")


@functools.lru_cache(maxsize=4096)
def _caller(principal: Principal) -> _Caller:
    if principal.service:
        return _Caller("service", principal.arn, principal.account, "aws", "", "", False, False, principal.service)
    if principal.federated:
        return _Caller("federated", principal.arn, principal.account, "aws", "", "", False, False, principal.federated)
    arn = principal.arn
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
    return _Caller("aws", arn, principal.account, partition, role, session, is_user, is_root, "")


def _account_is(account: str, caller: _Caller) -> Tri:
    if UNKNOWN in caller.account:
        return None
    return account == caller.account


def _value_strength(value: _PrincipalValue, caller: _Caller) -> tuple[int, int]:
    """(known, possible) strength with which one Principal value names an AWS caller; 0 = does not name it."""
    kind = value.kind
    if kind == "*":
        return _DIRECT, _DIRECT
    if kind == "account":
        named = _account_is(value.account, caller)
        return (_ACCOUNT if named else 0), (_ACCOUNT if named is not False else 0)
    if kind == "unknown":
        assert value.glob is not None
        forms = [caller.arn, caller.account, f"arn:{caller.partition}:iam::{caller.account}:root"]
        if caller.role:
            forms.append(f"arn:{caller.partition}:sts::{caller.account}:assumed-role/{caller.role}/{UNKNOWN}")
        possible = _any(value.glob.match(form, {}) for form in forms if form)
        return 0, (_DIRECT if possible is not False else 0)
    strength = _ROLE if kind == "role" else _DIRECT
    if UNKNOWN in caller.arn:
        possible = _match_unknown_value((value.raw,), caller.arn, False, False)
        return 0, (strength if possible is not False else 0)
    if kind == "arn":
        return (_DIRECT, _DIRECT) if value.raw == caller.arn else (0, 0)
    if not caller.role or value.role != caller.role or value.account != caller.account:
        return 0, 0
    if kind == "role":
        # A role ARN names the role itself and, by name, the role behind an assumed-role session ARN.
        same = value.raw == caller.arn or bool(caller.session)
        return (_ROLE, _ROLE) if same else (0, 0)
    # An assumed-role session ARN: a caller given by role ARN stands for any of its sessions.
    same = not caller.session or value.session == caller.session
    return (_DIRECT, _DIRECT) if same else (0, 0)


def _names(globs: tuple[_Glob, ...], name: str) -> Tri:
    return _any(glob.match(name, {}) for glob in globs)


def _principal_strength(spec: _PrincipalSpec, caller: _Caller) -> tuple[int, int]:
    if spec.unknown:
        return 0, _DIRECT
    if spec.star:
        return _DIRECT, _DIRECT
    if caller.kind != "aws":
        named = _names(spec.services if caller.kind == "service" else spec.federated, caller.name)
        return (_DIRECT if named else 0), (_DIRECT if named is not False else 0)
    known = possible = 0
    for value in spec.aws:
        value_known, value_possible = _value_strength(value, caller)
        known, possible = max(known, value_known), max(possible, value_possible)
    return known, possible


def _exempt(spec: _PrincipalSpec, caller: _Caller) -> Tri:
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
    return _all(links)


# --- conditions -------------------------------------------------------------------------------------------------------

_OPERATOR = re.compile(r"(?:(ForAnyValue|ForAllValues):)?(.+?)(IfExists)?", re.IGNORECASE)
_OPERATORS: dict[str, tuple[str, str, bool]] = {
    # lower-case operator -> (family, comparison, negated)
    "stringequals": ("string", "eq", False),
    "stringnotequals": ("string", "eq", True),
    "stringequalsignorecase": ("string-ic", "eq", False),
    "stringnotequalsignorecase": ("string-ic", "eq", True),
    "stringlike": ("string-like", "eq", False),
    "stringnotlike": ("string-like", "eq", True),
    "numericequals": ("numeric", "eq", False),
    "numericnotequals": ("numeric", "eq", True),
    "numericlessthan": ("numeric", "lt", False),
    "numericlessthanequals": ("numeric", "le", False),
    "numericgreaterthan": ("numeric", "gt", False),
    "numericgreaterthanequals": ("numeric", "ge", False),
    "dateequals": ("date", "eq", False),
    "datenotequals": ("date", "eq", True),
    "datelessthan": ("date", "lt", False),
    "datelessthanequals": ("date", "le", False),
    "dategreaterthan": ("date", "gt", False),
    "dategreaterthanequals": ("date", "ge", False),
    "bool": ("bool", "eq", False),
    "binaryequals": ("binary", "eq", False),
    "ipaddress": ("ip", "eq", False),
    "notipaddress": ("ip", "eq", True),
    "arnequals": ("arn", "eq", False),
    "arnlike": ("arn", "eq", False),
    "arnnotequals": ("arn", "eq", True),
    "arnnotlike": ("arn", "eq", True),
    "null": ("null", "eq", False),
}
_GLOB_FAMILIES = ("string", "string-ic", "string-like", "arn", "bool")
_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "eq": lambda a, b: a == b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
}


def _epoch(text: str) -> float:
    """ISO 8601 (W3C profile) or epoch seconds, as the Date operators accept (naive times are UTC)."""
    try:
        return float(text)
    except ValueError:
        moment = datetime.fromisoformat(text.strip())
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


@dataclass(frozen=True, slots=True)
class _Cond:
    key: str  # lower-case condition key
    family: str
    compare: str
    negated: bool
    if_exists: bool
    set_op: str  # "", "any", "all"
    values: tuple[Any, ...]  # per family: _Glob, float, ip_network, str or bool; None = unknown
    unknown: bool  # the operator, key or whole value list is unknown


def _compile_condition(operator: str, key: str, raw: Any, variables: bool, what: str) -> _Cond:
    if UNKNOWN in operator or UNKNOWN in key or (isinstance(raw, str) and raw == UNKNOWN):
        return _Cond(key.lower(), "unknown", "eq", False, False, "", (), True)
    parsed = _OPERATOR.fullmatch(operator)
    spec = _OPERATORS.get(parsed.group(2).lower()) if parsed else None
    if parsed is None or spec is None:
        raise ValueError(f"{what}: unsupported condition operator {operator!r}")
    family, compare, negated = spec
    if_exists = parsed.group(3) is not None
    if family == "null" and if_exists:
        raise ValueError(f"{what}: Null has no IfExists form")
    set_op = {"foranyvalue": "any", "forallvalues": "all"}.get((parsed.group(1) or "").lower(), "")
    texts = _strings(raw, what)
    try:
        values = tuple(_condition_value(family, text, variables) for text in texts)
    except ValueError as error:
        raise ValueError(f"{what}: condition {operator} on {key}: {error}") from None
    return _Cond(key.lower(), family, compare, negated, if_exists, set_op, values, False)


def _condition_value(family: str, text: str, variables: bool) -> Any:
    """One policy value of a condition, compiled for its operator family; ``None`` when it is unknown."""
    if family in _GLOB_FAMILIES:
        wild = family in ("string-like", "arn")
        fold = family in ("string-ic", "bool")
        return _Glob(text, wild=wild, fold=fold, arn=family == "arn", variables=variables)
    if UNKNOWN in text:
        return None
    if family == "numeric":
        return float(text)
    if family == "date":
        return _epoch(text)
    if family == "ip":
        return ipaddress.ip_network(text.strip(), strict=False)
    if family == "binary":
        return text
    if text.lower() not in ("true", "false"):
        raise ValueError(f"Null takes true or false, got {text!r}")
    return text.lower() == "true"


def _one_value_matches(cond: _Cond, value: str, context: Mapping[str, tuple[str, ...]]) -> Tri:
    """Whether one request value matches any of the condition's policy values (values are OR'ed)."""
    family = cond.family
    if family in _GLOB_FAMILIES:
        return _any(glob.match(value, context) for glob in cond.values)
    if UNKNOWN in value:
        return None
    if family == "binary":
        return _any(None if expected is None else expected == value for expected in cond.values)
    if family == "ip":
        try:
            address = ipaddress.ip_network(value.strip(), strict=False)
        except ValueError:
            return False
        return _any(
            None if network is None else (address.version == network.version and address.subnet_of(network))
            for network in cond.values
        )
    try:
        number = float(value) if family == "numeric" else _epoch(value)
    except ValueError:
        return False
    compare = _COMPARE[cond.compare]
    return _any(None if expected is None else compare(number, expected) for expected in cond.values)


def _condition_holds(cond: _Cond, context: Mapping[str, tuple[str, ...]]) -> Tri:
    """IAM User Guide, Condition operators and multi-value conditions: a missing key fails positive operators and
    satisfies negated ones; ``...IfExists`` and ``ForAllValues`` hold on a missing key, ``ForAnyValue`` does not."""
    if cond.unknown:
        return None
    values = context.get(cond.key)
    if cond.family == "null":
        absent = not values
        return _any(None if expected is None else expected == absent for expected in cond.values)
    if values is None:
        if cond.if_exists or cond.set_op == "all":
            return True
        if cond.set_op == "any":
            return False
        return cond.negated

    def one(value: str) -> Tri:
        hit = _one_value_matches(cond, value, context)
        return _not(hit) if cond.negated else hit

    if cond.set_op == "all":
        return _all(one(value) for value in values)
    if cond.set_op == "any":
        return _any(one(value) for value in values)
    # A plain operator on a multi-valued key matches when any request value does (negated: when none does).
    hit = _any(_one_value_matches(cond, value, context) for value in values)
    return _not(hit) if cond.negated else hit


# --- statements -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Stmt:
    match: Match
    allow: bool
    opaque: bool  # the statement (or its Effect) is unknown: it may allow or deny anything
    actions: _GlobSet | None = None
    not_action: bool = False
    resources: _GlobSet | None = None  # None: no Resource element (trust policies) -> applies
    not_resource: bool = False
    principal: _PrincipalSpec | None = None
    not_principal: bool = False
    conditions: tuple[_Cond, ...] = ()


def _opaque(source: str, sid: str) -> tuple[_Stmt, ...]:
    return (
        _Stmt(Match(source, sid, "Allow"), True, True),
        _Stmt(Match(source, sid, "Deny"), False, True),
    )


def _compile_policy(document: Any, source: str) -> tuple[_Stmt, ...]:
    if isinstance(document, str):  # Policy parses JSON text; what is left is (or contains) the unknown sentinel
        return _opaque(source, "(unknown document)")
    if not isinstance(document, Mapping):
        raise ValueError(f"{source}: a policy document must be a mapping, got {type(document).__name__}")
    # Policy variables are only substituted in version 2012-10-17 documents (IAM User Guide, policy variables).
    variables = document.get("Version") == "2012-10-17"
    statements = document.get("Statement", [])
    if isinstance(statements, str) and UNKNOWN in statements:
        return _opaque(source, "(unknown Statement)")
    if isinstance(statements, Mapping):
        statements = [statements]
    if not isinstance(statements, list | tuple):
        raise ValueError(f"{source}: Statement must be a mapping or a list of them")
    compiled: list[_Stmt] = []
    for index, statement in enumerate(statements):
        sid = f"#{index}"
        if isinstance(statement, str) and UNKNOWN in statement:
            compiled.extend(_opaque(source, sid))
            continue
        if not isinstance(statement, Mapping):
            raise ValueError(f"{source} statement {sid}: not a mapping")
        sid = str(statement.get("Sid") or sid)
        compiled.extend(_compile_statement(statement, source, sid, variables))
    return tuple(compiled)


def _compile_statement(statement: Mapping[str, Any], source: str, sid: str, variables: bool) -> tuple[_Stmt, ...]:
    what = f"{source} statement {sid}"
    effect = statement.get("Effect")
    if isinstance(effect, str) and UNKNOWN in effect:
        return _opaque(source, sid)
    if effect not in ("Allow", "Deny"):
        raise ValueError(f"{what}: Effect must be Allow or Deny, got {effect!r}")
    if ("Action" in statement) == ("NotAction" in statement):
        raise ValueError(f"{what}: needs exactly one of Action and NotAction")
    if "Resource" in statement and "NotResource" in statement:
        raise ValueError(f"{what}: has both Resource and NotResource")
    if "Principal" in statement and "NotPrincipal" in statement:
        raise ValueError(f"{what}: has both Principal and NotPrincipal")
    action_key = "Action" if "Action" in statement else "NotAction"
    actions = _GlobSet([_Glob(text, wild=True, fold=True) for text in _strings(statement[action_key], what)])
    resources = None
    resource_key = "Resource" if "Resource" in statement else "NotResource"
    if resource_key in statement:
        resources = _GlobSet(
            [
                _Glob(text, wild=True, fold=False, arn=True, variables=variables)
                for text in _strings(statement[resource_key], what)
            ]
        )
    principal_key = "Principal" if "Principal" in statement else "NotPrincipal"
    principal = _principal_spec(statement[principal_key], what) if principal_key in statement else None
    conditions: list[_Cond] = []
    block = statement.get("Condition", {})
    if isinstance(block, str) and UNKNOWN in block:
        conditions.append(_compile_condition(UNKNOWN, UNKNOWN, UNKNOWN, variables, what))
    elif not isinstance(block, Mapping):
        raise ValueError(f"{what}: Condition must be a mapping")
    else:
        for operator, keys in block.items():
            if isinstance(keys, str) and UNKNOWN in keys:
                conditions.append(_compile_condition(operator, UNKNOWN, UNKNOWN, variables, what))
                continue
            if not isinstance(keys, Mapping):
                raise ValueError(f"{what}: condition {operator} must map keys to values")
            for key, raw in keys.items():
                conditions.append(_compile_condition(str(operator), str(key), raw, variables, what))
    return (
        _Stmt(
            match=Match(source, sid, effect),
            allow=effect == "Allow",
            opaque=False,
            actions=actions,
            not_action=action_key == "NotAction",
            resources=resources,
            not_resource=resource_key == "NotResource",
            principal=principal,
            not_principal=principal_key == "NotPrincipal",
            conditions=tuple(conditions),
        ),
    )


# --- evaluation -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Req:
    action: str
    resource: str
    caller: _Caller
    context: Mapping[str, tuple[str, ...]]


def _context_values(value: Any) -> tuple[str, ...] | None:
    items = value if isinstance(value, list | tuple | set | frozenset) else [value]
    out: list[str] = []
    for item in items:
        if item is None:
            return None
        if isinstance(item, bool):
            out.append("true" if item else "false")
        elif isinstance(item, bytes):
            out.append(base64.b64encode(item).decode())
        else:
            out.append(str(item))
    return tuple(out)


def _request_context(request: Request, caller: _Caller) -> dict[str, tuple[str, ...]]:
    context: dict[str, tuple[str, ...]] = {}
    if caller.kind == "service":
        context["aws:principalservicename"] = (caller.name,)
        context["aws:principalisawsservice"] = ("true",)
    elif caller.kind == "aws":
        context["aws:principalisawsservice"] = ("false",)
        if caller.session:  # for a role session, aws:PrincipalArn is the role's ARN (paths are not in the session)
            context["aws:principalarn"] = (f"arn:{caller.partition}:iam::{caller.account}:role/{caller.role}",)
        elif caller.arn:
            context["aws:principalarn"] = (caller.arn,)
        if caller.is_user:
            context["aws:username"] = (caller.arn.rsplit("/", 1)[-1],)
    if caller.account:
        context["aws:principalaccount"] = (caller.account,)
    resource_account = request.resource_account or caller.account
    if resource_account:
        context["aws:resourceaccount"] = (resource_account,)
    for key, value in request.context.items():
        values = _context_values(value)
        if values is None:
            context.pop(key.lower(), None)
        else:
            context[key.lower()] = values
    return context


def _action_hit(statement: _Stmt, action: str) -> Tri:
    if statement.opaque:
        return None
    assert statement.actions is not None
    hit = statement.actions.match(action, {})
    return _not(hit) if statement.not_action else hit


def _applies(statement: _Stmt, action_hit: Tri, request: _Req, resource_policy: bool) -> tuple[int, int, str]:
    """(known, possible) strength with which a statement applies to the request, and the first element that is
    unknown, given whether its Action matched. Identity-side statements apply with full strength; in resource
    policies the strength comes from the Principal element."""
    if statement.opaque:
        return 0, _DIRECT, "the statement itself"
    unknown = "" if action_hit else "NotAction" if statement.not_action else "Action"
    if statement.resources is not None:
        hit = statement.resources.match(request.resource, request.context)
        if statement.not_resource:
            hit = _not(hit)
        if hit is False:
            return 0, 0, ""
        if hit is None and not unknown:
            unknown = "NotResource" if statement.not_resource else "Resource"
    known = possible = _DIRECT
    if resource_policy:
        if statement.principal is None:
            return 0, 0, ""  # a resource policy statement without Principal names nobody
        if statement.not_principal:
            exempt = _exempt(statement.principal, request.caller)
            known, possible = (0 if exempt is not False else _DIRECT), (0 if exempt else _DIRECT)
        else:
            known, possible = _principal_strength(statement.principal, request.caller)
        if not possible:
            return 0, 0, ""
        if not known and not unknown:
            unknown = "NotPrincipal" if statement.not_principal else "Principal"
    for cond in statement.conditions:
        hit = _condition_holds(cond, request.context)
        if hit is False:
            return 0, 0, ""
        if hit is None and not unknown:
            unknown = f"Condition on {cond.key}" if cond.key != UNKNOWN.lower() else "Condition"
    if unknown:
        known = 0
    return known, possible, unknown


@dataclass(slots=True)
class _Scan:
    """The statements of one policy set that may apply: (match, known strength, possible strength, unknown part)."""

    policies: Sequence[Policy]
    allows: list[tuple[Match, int, int, str]] = field(default_factory=list)
    denies: list[tuple[Match, int, int, str]] = field(default_factory=list)
    certain: bool = True  # every statement that may apply is known to apply, with its full strength

    def allowing(self, strength: int, optimistic: bool) -> list[Match]:
        return [m for m, known, possible, _ in self.allows if (possible if optimistic else known) >= strength]

    def denying(self, optimistic: bool) -> list[Match]:
        return [m for m, known, possible, _ in self.denies if (known if optimistic else possible)]

    @property
    def sources(self) -> str:
        return ", ".join(policy.source for policy in self.policies) or "(none given)"


def _scan(policies: Sequence[Policy], request: _Req, resource_policy: bool) -> _Scan:
    scan = _Scan(policies)
    for policy in policies:
        for statement, action_hit in policy._for_action(request.action):
            known, possible, unknown = _applies(statement, action_hit, request, resource_policy)
            if possible:
                (scan.allows if statement.allow else scan.denies).append((statement.match, known, possible, unknown))
                scan.certain = scan.certain and known == possible
    return scan


@dataclass(frozen=True, slots=True)
class _Sets:
    identity: _Scan
    resource: _Scan
    boundary: _Scan | None
    scp: _Scan | None
    session: _Scan | None


def _outcome(sets: _Sets, caller: _Caller, action: str, *, optimistic: bool, cross: bool, required: str) -> Result:
    """The decision in one scenario: unknown statements all favour access (optimistic) or all oppose it, and the
    request is or is not cross-account. ``required`` names the resource policy type that must allow ("" if none)."""
    who = caller.label
    resource_only = caller.kind != "aws"
    capping = () if resource_only else tuple(s for s in (sets.scp, sets.boundary, sets.session) if s is not None)
    scans = (sets.resource,) if resource_only else (sets.resource, sets.identity, *capping)
    denies = [m for scan in scans for m in scan.denying(optimistic)]
    if denies:
        return Result(Decision.DENY, f"explicit Deny in {denies[0].source} statement {denies[0].sid}", tuple(denies))
    resource = sets.resource
    if resource_only:
        grants = resource.allowing(_DIRECT, optimistic)
        if grants:
            return Result(Decision.ALLOW, _allowed_by(grants), tuple(grants))
        return Result(Decision.IMPLICIT_DENY, f"resource policy {resource.sources} has no Allow for {who}", ())
    if sets.scp is not None and not sets.scp.allowing(_DIRECT, optimistic):
        return Result(Decision.IMPLICIT_DENY, f"no Allow for {action} in the SCPs {sets.scp.sources}", ())
    identity = sets.identity.allowing(_DIRECT, optimistic)
    boundary_ok = sets.boundary is None or bool(sets.boundary.allowing(_DIRECT, optimistic))
    session_ok = sets.session is None or bool(sets.session.allowing(_DIRECT, optimistic))
    identity_ok = (bool(identity) or caller.is_root) and boundary_ok and session_ok
    direct = resource.allowing(_DIRECT, optimistic)
    to_role = resource.allowing(_ROLE, optimistic)
    to_account = resource.allowing(_ACCOUNT, optimistic)

    def identity_gap() -> str:
        if not (identity or caller.is_root):
            return f"no Allow in the identity policies of {who}"
        if not boundary_ok:
            assert sets.boundary is not None
            return f"permissions boundary {sets.boundary.sources} has no Allow for {action}"
        assert sets.session is not None
        return f"session policy {sets.session.sources} has no Allow for {action}"

    if cross:
        if not to_account:
            return Result(
                Decision.IMPLICIT_DENY, f"cross-account: resource policy {resource.sources} has no Allow for {who}", ()
            )
        if not identity_ok:
            return Result(Decision.IMPLICIT_DENY, f"cross-account: {identity_gap()}", ())
        return Result(Decision.ALLOW, _allowed_by([*identity, *to_account]), (*identity, *to_account))
    if direct:
        return Result(Decision.ALLOW, _allowed_by(direct), tuple(direct))
    if to_role and boundary_ok and session_ok:
        return Result(Decision.ALLOW, _allowed_by(to_role), tuple(to_role))
    if required:
        if to_account and identity_ok:
            return Result(Decision.ALLOW, _allowed_by([*to_account, *identity]), (*to_account, *identity))
        if to_role:
            return Result(Decision.IMPLICIT_DENY, f"{required} {resource.sources}: {identity_gap()}", ())
        if to_account:
            return Result(
                Decision.IMPLICIT_DENY,
                f"{required} {resource.sources} delegates to account {caller.account}, but {identity_gap()}",
                (),
            )
        return Result(
            Decision.IMPLICIT_DENY, f"{required} {resource.sources} has no Allow for {who} (it is required)", ()
        )
    if identity_ok:
        reason = _allowed_by(identity) if identity else "allowed: the account root user has full access in its account"
        return Result(Decision.ALLOW, reason, tuple(identity))
    if to_role:
        return Result(Decision.IMPLICIT_DENY, f"resource policy grants the role, but {identity_gap()}", ())
    return Result(Decision.IMPLICIT_DENY, identity_gap(), ())


def _allowed_by(matches: Sequence[Match]) -> str:
    return "allowed by " + " and ".join(f"{m.source} statement {m.sid}" for m in matches[:3])


_ASSUME_ROLE_ACTIONS = frozenset({"sts:assumerole", "sts:assumerolewithwebidentity", "sts:assumerolewithsaml"})
_KMS_KEY = _Glob("arn:*:kms:*:*:key/*", wild=True, fold=False, arn=True)
_IAM_ROLE = _Glob("arn:*:iam::*:role/*", wild=True, fold=False, arn=True)


def _different_accounts(principal: Principal, resource_account: str) -> Tri:
    if not principal.account or not resource_account:
        return False
    if UNKNOWN in principal.account or UNKNOWN in resource_account:
        return None
    return principal.account != resource_account


def _evaluate(
    request: Request,
    identity: Sequence[Policy],
    resource: Sequence[Policy],
    boundary: Sequence[Policy] | None,
    scp: Sequence[Policy] | None,
    session: Sequence[Policy] | None,
    trust: Tri,
) -> Result:
    caller = _caller(request.principal)
    req = _Req(request.action, request.resource, caller, _request_context(request, caller))
    resource_only = caller.kind != "aws"
    sets = _Sets(
        identity=_scan(() if resource_only else identity, req, False),
        resource=_scan(resource, req, True),
        boundary=None if boundary is None else _scan(boundary, req, False),
        scp=None if scp is None else _scan(scp, req, False),
        session=None if session is None else _scan(session, req, False),
    )
    kms = _KMS_KEY.match(request.resource, {})
    cross = _different_accounts(request.principal, request.resource_account)
    kinds = _possibilities(trust, "role trust policy", kms, "KMS key policy")
    crosses = [False, True] if cross is None else [cross]
    scans = (sets.identity, sets.resource, sets.boundary, sets.scp, sets.session)
    if len(kinds) == 1 and len(crosses) == 1 and all(scan is None or scan.certain for scan in scans):
        return _outcome(sets, caller, request.action, optimistic=True, cross=crosses[0], required=kinds[0])
    outcomes = [
        (_outcome(sets, caller, request.action, optimistic=optimistic, cross=c, required=kind), optimistic)
        for kind in kinds
        for c in crosses
        for optimistic in (True, False)
    ]
    decisions = {result.decision for result, _ in outcomes}
    if len(decisions) == 1:
        # The pessimistic scenario counts only known allows; the optimistic one only known denies.
        want_optimistic = Decision.ALLOW not in decisions
        return next(result for result, optimistic in outcomes if optimistic == want_optimistic)
    return _unknown(sets, outcomes, cross is None, len(kinds) > 1, request)


def _possibilities(trust: Tri, trust_label: str, kms: Tri, kms_label: str) -> list[str]:
    if trust is not None and kms is not None:
        return [trust_label if trust else kms_label if kms else ""]
    labels: set[str] = set()
    for is_trust in (True, False) if trust is None else (trust,):
        for is_kms in (True, False) if kms is None else (kms,):
            labels.add(trust_label if is_trust else kms_label if is_kms else "")
    return sorted(labels)


def _unknown(sets: _Sets, outcomes: list[tuple[Result, bool]], cross: bool, kind: bool, request: Request) -> Result:
    parts: list[str] = []
    matches: list[Match] = []
    for scan in (sets.scp, sets.resource, sets.identity, sets.boundary, sets.session):
        if scan is None:
            continue
        for m, known, possible, unknown in (*scan.denies, *scan.allows):
            if known != possible:
                parts.append(f"{m.effect} in {m.source} statement {m.sid} ({unknown or 'Principal'})")
                matches.append(m)
    if cross:
        parts.append(f"whether account {request.principal.account} is {request.resource_account}")
    if kind:
        parts.append(f"the kind of resource {request.resource}")
    if not parts:
        parts.append(f"the request ({request.principal.arn} {request.action} {request.resource})")
    decisions = sorted({result.decision.value for result, _ in outcomes})
    shown = "; ".join(parts[:4]) + (f"; and {len(parts) - 4} more" if len(parts) > 4 else "")
    reason = f"unknown: {shown} (the outcome is {' or '.join(decisions)} depending on them)"
    return Result(Decision.UNKNOWN, reason, tuple(matches))


def evaluate(
    request: Request,
    *,
    identity: Sequence[Policy] = (),
    resource: Sequence[Policy] = (),
    boundary: Sequence[Policy] | None = None,
    scp: Sequence[Policy] | None = None,
    session: Sequence[Policy] | None = None,
) -> Result:
    """Decide one request the way AWS would, given the policies that apply to it.

    ``identity``: the caller's identity-based policies; ``resource``: the resource's policies (a bucket policy, a
    KMS key policy, a role trust policy); ``boundary``/``scp``/``session``: ``None`` when there is none, otherwise
    they must allow (an empty sequence allows nothing). ``sts:AssumeRole*`` on a role ARN is judged as a trust policy
    evaluation, and a KMS key ARN as a key policy evaluation: the resource policy is then required. For service and
    web-identity callers only the resource policies are consulted."""
    trust = _IAM_ROLE.match(request.resource, {}) if request.action.lower() in _ASSUME_ROLE_ACTIONS else False
    return _evaluate(request, identity, resource, boundary, scp, session, trust)


def evaluate_assume_role(
    request: Request, trust: Policy, identity: Sequence[Policy] = (), boundary: Sequence[Policy] | None = None
) -> Result:
    """``request`` is an ``sts:AssumeRole*`` call on a role; ``trust`` is that role's trust policy, which must allow
    in every case (IAM User Guide, Policy evaluation logic: role trust policies are an exception). Within one account
    a trust policy naming the caller's ARN suffices; one naming the account delegates, so the caller's identity
    policy must allow too; across accounts the identity policy must always allow."""
    if request.action.lower() not in _ASSUME_ROLE_ACTIONS:
        raise ValueError(f"evaluate_assume_role takes an sts:AssumeRole* request, got {request.action!r}")
    return _evaluate(request, identity, (trust,), boundary, None, None, True)


def explain(result: Result) -> str:
    """A short multi-line account of a result for check output: the decision, why, and the statements involved."""
    lines = [f"{result.decision.value}: {result.reason}"]
    lines += [f"  - {m.effect} {m.source} statement {m.sid}" for m in result.matches]
    return "\n".join(lines)
