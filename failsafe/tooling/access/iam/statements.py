"""Policy documents compiled into statements, once, so that thousands of requests re-parse nothing.

Sources (IAM User Guide): "IAM JSON policy element reference" (Version, Statement, Sid, Effect, Principal/NotPrincipal,
Action/NotAction, Resource/NotResource, Condition; exactly one of Action and NotAction; a statement holds at most one
of each pair) and "IAM policy elements: Variables and tags" (variables are substituted only in version 2012-10-17).

No document stops an evaluation: what cannot be read is kept as a *problem* of the :class:`Policy` and compiled into
a statement whose answer is unknown wherever it could decide a request (an unknown condition, or an opaque statement
that may allow or deny anything), so one malformed policy in a plan makes only its own paths "cannot prove".
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from failsafe.tooling.access.iam.condition.operators import Cond, compile_condition, unknown_condition
from failsafe.tooling.access.iam.model import UNKNOWN, Match, Tri, not_
from failsafe.tooling.access.iam.patterns import GlobSet, glob, strings
from failsafe.tooling.access.iam.principals import PrincipalSpec, principal_spec


@dataclass(frozen=True, slots=True)
class Stmt:
    match: Match
    allow: bool
    opaque: bool  # the statement (or its Effect) is unknown or unreadable: it may allow or deny anything
    actions: GlobSet | None = None
    not_action: bool = False
    resources: GlobSet | None = None  # None: no Resource element (trust policies) -> applies
    not_resource: bool = False
    principal: PrincipalSpec | None = None
    not_principal: bool = False
    conditions: tuple[Cond, ...] = ()
    problem: str = ""  # why an opaque statement could not be read ("" when it is unknown at preview)

    @property
    def everything_for_everyone(self) -> bool:
        """``Principal: "*"``, every action, every resource, no condition: the shape of the RCPFullAWSAccess policy."""
        return bool(
            not self.opaque
            and self.principal is not None
            and self.principal.star
            and not self.not_principal
            and self.actions is not None
            and self.actions.match_all
            and not self.not_action
            and (self.resources is None or (self.resources.match_all and not self.not_resource))
            and not self.conditions
        )


def action_hit(statement: Stmt, action: str) -> Tri:
    if statement.opaque:
        return None
    assert statement.actions is not None
    hit = statement.actions.match(action, {})
    return not_(hit) if statement.not_action else hit


@dataclass(frozen=True)
class Policy:
    """A parsed IAM policy document (a mapping, or its JSON text) and a label for reports.

    ``problems`` lists, one sentence each naming ``source`` and the statement, what the document holds that is no
    policy IAM accepts (text that is not JSON, a statement without an Action, a condition value that does not parse
    for its operator...). Those parts answer "unknown" wherever they could decide a request; the rest of the document
    is evaluated as written. A document that is itself unknown (the sentinel, or a statement/Effect that is) is kept
    as a statement that may allow or deny anything."""

    document: Mapping[str, Any] | str
    source: str
    _statements: tuple[Stmt, ...] = field(init=False, repr=False, compare=False)
    problems: tuple[str, ...] = field(init=False, compare=False)
    _by_action: dict[str, tuple[tuple[Stmt, Tri], ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        document: Any = self.document
        problems: list[str] = []
        if isinstance(document, str):
            try:
                document = json.loads(document)
            except json.JSONDecodeError as error:
                if UNKNOWN not in document:
                    problems.append(f"{self.source}: policy text is not JSON: {error}")
            else:
                object.__setattr__(self, "document", document)
        object.__setattr__(self, "_statements", _compile_policy(document, self.source, problems))
        object.__setattr__(self, "problems", tuple(problems))
        object.__setattr__(self, "_by_action", {})

    @property
    def statements(self) -> tuple[Stmt, ...]:
        return self._statements

    def for_action(self, action: str) -> tuple[tuple[Stmt, Tri], ...]:
        """The statements whose Action/NotAction may match ``action``, with that match. Actions carry no policy
        variables, so this is memoised per action: a check asks about few actions, thousands of times."""
        found = self._by_action.get(action)
        if found is None:
            found = tuple(
                (statement, hit)
                for statement in self._statements
                if (hit := action_hit(statement, action)) is not False
            )
            if UNKNOWN not in action and len(self._by_action) < 1024:
                self._by_action[action] = found
        return found


def _opaque(source: str, sid: str, problem: str = "", effects: tuple[str, ...] = ("Allow", "Deny")) -> tuple[Stmt, ...]:
    return tuple(Stmt(Match(source, sid, effect), effect == "Allow", True, problem=problem) for effect in effects)


def _compile_policy(document: Any, source: str, problems: list[str]) -> tuple[Stmt, ...]:
    if isinstance(document, str):  # JSON text left unparsed: unknown at preview, or not JSON (a problem already)
        unknown = UNKNOWN in document
        return _opaque(source, "(unknown document)" if unknown else "(not JSON)", "" if unknown else problems[-1])
    if not isinstance(document, Mapping):
        problems.append(f"{source}: a policy document must be a JSON object, got {type(document).__name__}")
        return _opaque(source, "(not a document)", problems[-1])
    # Policy variables are only substituted in version 2012-10-17 documents (IAM User Guide, policy variables).
    variables = document.get("Version") == "2012-10-17"
    statements = document.get("Statement", [])
    if isinstance(statements, str) and UNKNOWN in statements:
        return _opaque(source, "(unknown Statement)")
    if isinstance(statements, Mapping):
        statements = [statements]
    if not isinstance(statements, list | tuple):
        problems.append(f"{source}: Statement must be an object or a list of them")
        return _opaque(source, "(Statement)", problems[-1])
    compiled: list[Stmt] = []
    for index, statement in enumerate(statements):
        sid = f"#{index}"
        if isinstance(statement, str) and UNKNOWN in statement:
            compiled.extend(_opaque(source, sid))
            continue
        if not isinstance(statement, Mapping):
            problems.append(f"{source} statement {sid}: not an object")
            compiled.extend(_opaque(source, sid, problems[-1]))
            continue
        sid = str(statement.get("Sid") or sid)
        compiled.extend(_compile_statement(statement, source, sid, variables, problems))
    return tuple(compiled)


def _compile_statement(
    statement: Mapping[str, Any], source: str, sid: str, variables: bool, problems: list[str]
) -> tuple[Stmt, ...]:
    what = f"{source} statement {sid}"
    effect = statement.get("Effect")
    if isinstance(effect, str) and UNKNOWN in effect:
        return _opaque(source, sid)
    if effect not in ("Allow", "Deny"):
        problems.append(f"{what}: Effect must be Allow or Deny, got {effect!r}")
        return _opaque(source, sid, problems[-1])
    try:
        parts = _elements(statement, what, variables)
    except ValueError as error:
        problems.append(str(error))
        return _opaque(source, sid, problems[-1], (effect,))
    conditions = _conditions(statement.get("Condition", {}), variables)
    problems.extend(f"{what}: {cond.problem}" for cond in conditions if cond.problem)
    actions, not_action, resources, not_resource, principal, not_principal = parts
    return (
        Stmt(
            match=Match(source, sid, effect),
            allow=effect == "Allow",
            opaque=False,
            actions=actions,
            not_action=not_action,
            resources=resources,
            not_resource=not_resource,
            principal=principal,
            not_principal=not_principal,
            conditions=conditions,
        ),
    )


def _elements(
    statement: Mapping[str, Any], what: str, variables: bool
) -> tuple[GlobSet, bool, GlobSet | None, bool, PrincipalSpec | None, bool]:
    if ("Action" in statement) == ("NotAction" in statement):
        raise ValueError(f"{what}: needs exactly one of Action and NotAction")
    if "Resource" in statement and "NotResource" in statement:
        raise ValueError(f"{what}: has both Resource and NotResource")
    if "Principal" in statement and "NotPrincipal" in statement:
        raise ValueError(f"{what}: has both Principal and NotPrincipal")
    action_key = "Action" if "Action" in statement else "NotAction"
    actions = GlobSet([glob(text, wild=True, fold=True) for text in strings(statement[action_key], what)])
    resources = None
    resource_key = "Resource" if "Resource" in statement else "NotResource"
    if resource_key in statement:
        resources = GlobSet(
            [
                glob(text, wild=True, fold=False, arn=True, variables=variables)
                for text in strings(statement[resource_key], what)
            ]
        )
    principal_key = "Principal" if "Principal" in statement else "NotPrincipal"
    principal = principal_spec(statement[principal_key], what) if principal_key in statement else None
    return (
        actions,
        action_key == "NotAction",
        resources,
        resource_key == "NotResource",
        principal,
        "NotPrincipal" in statement,
    )


def _conditions(block: Any, variables: bool) -> tuple[Cond, ...]:
    if isinstance(block, str) and UNKNOWN in block:
        return (unknown_condition(),)
    if not isinstance(block, Mapping):
        return (unknown_condition(problem="Condition must be an object"),)
    conditions: list[Cond] = []
    for operator, keys in block.items():
        if isinstance(keys, str) and UNKNOWN in keys:
            conditions.append(compile_condition(str(operator), UNKNOWN, UNKNOWN, variables))
            continue
        if not isinstance(keys, Mapping):
            conditions.append(unknown_condition(problem=f"condition {operator} must map keys to values"))
            continue
        for key, raw in keys.items():
            conditions.append(compile_condition(str(operator), str(key), raw, variables))
    return tuple(conditions)
