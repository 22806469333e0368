"""The decision for one request, the way AWS's enforcement code reaches it, with unknowns as a third answer.

Sources (IAM User Guide): "Policy evaluation logic" and "How AWS enforcement code logic evaluates requests to allow or
deny access" (an explicit Deny in any applicable policy wins; then AWS Organizations RCPs and SCPs, resource-based
policies, identity-based policies, permissions boundaries and session policies; KMS key policies and role trust
policies are exceptions that must allow even within the account), "Cross-account policy evaluation logic" (across
accounts both the identity side and the resource side must allow), "Policy evaluation for requests within a single
account" (a resource policy that names the caller's user or session grants by itself; one that names the role is
still capped by a boundary or session policy; one that names the account delegates to identity policies), and "AWS
JSON policy elements: NotPrincipal" (not supported with Allow, nor in identity-based policies, role trust policies,
SCPs or RCPs; with Deny it "will always deny any IAM principal that has a permissions boundary policy attached").

Every scenario the unknown parts allow is evaluated (unknown statements all for access, or all against it; the
request within or across accounts; the resource a role or a key or neither); the answer is definite only when they
all agree.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from failsafe.tooling.access.iam.condition.operators import holds
from failsafe.tooling.access.iam.model import UNKNOWN, Decision, Match, Principal, Request, Result, Tri, not_
from failsafe.tooling.access.iam.organizations import (
    Organization,
    rcp_statement_problem,
    rcps_apply,
    scps_apply,
)
from failsafe.tooling.access.iam.patterns import Glob
from failsafe.tooling.access.iam.principals import (
    ACCOUNT,
    DIRECT,
    ROLE,
    Caller,
    caller_of,
    exempt,
    principal_strength,
)
from failsafe.tooling.access.iam.statements import Policy, Stmt

NOT_PRINCIPAL_WITH_ALLOW = 'NotPrincipal with "Effect": "Allow", which IAM does not support'
NOT_PRINCIPAL_IN_TRUST = "NotPrincipal in a role trust policy, which IAM does not support"
NOT_PRINCIPAL_OUTSIDE_RESOURCE_POLICIES = "NotPrincipal outside a resource-based policy, which IAM does not support"


@dataclass(frozen=True, slots=True)
class Req:
    action: str
    resource: str
    caller: Caller
    context: Mapping[str, tuple[str, ...]]
    has_boundary: bool = False


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


def request_context(
    request: Request, caller: Caller, organization: Organization | None = None
) -> dict[str, tuple[str, ...]]:
    """The request context, keys in lower case: what the caller and the resource imply (IAM User Guide, "AWS global
    condition context keys"), overridden by what the request gives."""
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
    if organization is not None:
        # aws:PrincipalOrgID: "included in the request context only if the principal is a member of an organization"
        # (an IAM principal of one of its accounts; not services or federated callers); aws:ResourceOrgID: the
        # organization of the resource's account; aws:SourceOrgID: the organization of aws:SourceAccount.
        if caller.kind == "aws" and caller.account in organization.accounts:
            context["aws:principalorgid"] = (organization.id,)
            if caller.account in organization.paths:  # aws:PrincipalOrgPaths: same availability, multivalued
                context["aws:principalorgpaths"] = (organization.paths[caller.account],)
        if resource_account in organization.accounts:
            context["aws:resourceorgid"] = (organization.id,)
            if resource_account in organization.paths:
                context["aws:resourceorgpaths"] = (organization.paths[resource_account],)
    for key, value in request.context.items():
        values = _context_values(value)
        if values is None:
            context.pop(key.lower(), None)
        else:
            context[key.lower()] = values
    source = context.get("aws:sourceaccount")
    if organization is not None and source and source[0] in organization.accounts:
        context.setdefault("aws:sourceorgid", (organization.id,))
    return context


def _applies(
    statement: Stmt, action_hit: Tri, request: Req, resource_policy: bool, trust_policy: bool
) -> tuple[int, int, str]:
    """(known, possible) strength with which a statement applies to the request, and the first element that is
    unknown, given whether its Action matched. Identity-side statements apply with full strength; in resource
    policies the strength comes from the Principal element."""
    if statement.opaque:
        return 0, DIRECT, statement.problem or "the statement itself"
    unknown = "" if action_hit else "NotAction" if statement.not_action else "Action"
    if statement.resources is not None:
        hit = statement.resources.match(request.resource, request.context)
        if statement.not_resource:
            hit = not_(hit)
        if hit is False:
            return 0, 0, ""
        if hit is None and not unknown:
            unknown = "NotResource" if statement.not_resource else "Resource"
    known = possible = DIRECT
    if not resource_policy and statement.not_principal:  # identity policies, boundaries, session policies, SCPs
        unknown = NOT_PRINCIPAL_OUTSIDE_RESOURCE_POLICIES
    if resource_policy:
        if statement.principal is None:
            return 0, 0, ""  # a resource policy statement without Principal names nobody
        if statement.not_principal and (statement.allow or trust_policy):
            known, possible = 0, DIRECT
            unknown = NOT_PRINCIPAL_WITH_ALLOW if statement.allow else NOT_PRINCIPAL_IN_TRUST
        elif statement.not_principal and request.has_boundary and request.caller.kind == "aws":
            known = possible = DIRECT  # "will always deny any IAM principal that has a permissions boundary"
        elif statement.not_principal:
            exempted = exempt(statement.principal, request.caller)
            known, possible = (0 if exempted is not False else DIRECT), (0 if exempted else DIRECT)
        else:
            known, possible = principal_strength(statement.principal, request.caller)
        if not possible:
            return 0, 0, ""
        if not known and not unknown:
            unknown = "NotPrincipal" if statement.not_principal else "Principal"
    for cond in statement.conditions:
        hit = holds(cond, request.context)
        if hit is False:
            return 0, 0, ""
        if hit is None and not unknown:
            unknown = cond.label
    if unknown:
        known = 0
    return known, possible, unknown


Entry = tuple[Match, int, int, str]
"""A statement that may apply: (match, known strength, possible strength, the part that is unknown)."""


@dataclass(slots=True)
class Scan:
    """The statements of one policy set that may apply to the request."""

    policies: Sequence[Policy]
    allows: list[Entry] = field(default_factory=list)
    denies: list[Entry] = field(default_factory=list)

    def add(self, statement: Stmt, known: int, possible: int, unknown: str) -> None:
        if possible:
            (self.allows if statement.allow else self.denies).append((statement.match, known, possible, unknown))

    @property
    def certain(self) -> bool:
        """Every statement that may apply is known to apply, with its full strength."""
        return all(known == possible for _, known, possible, _ in (*self.allows, *self.denies))

    def allowing(self, strength: int, optimistic: bool) -> list[Match]:
        return [m for m, known, possible, _ in self.allows if (possible if optimistic else known) >= strength]

    def denying(self, optimistic: bool) -> list[Match]:
        return [m for m, known, possible, _ in self.denies if (known if optimistic else possible)]

    @property
    def sources(self) -> str:
        return ", ".join(policy.source for policy in self.policies) or "(none given)"


def scan(policies: Sequence[Policy], request: Req, resource_policy: bool, trust_policy: bool = False) -> Scan:
    found = Scan(policies)
    for policy in policies:
        for statement, action_hit in policy.for_action(request.action):
            found.add(statement, *_applies(statement, action_hit, request, resource_policy, trust_policy))
    return found


def _scan_rcps(policies: Sequence[Policy], request: Req, applies: Tri) -> Scan:
    """RCPs cap by Deny only: the RCPFullAWSAccess Allow at every level passes everything else. A statement outside
    the RCP syntax, and every statement when whether RCPs apply to the action's service is unknown, is unknown."""
    found = Scan(policies)
    for policy in policies:
        for statement, action_hit in policy.for_action(request.action):
            problem = rcp_statement_problem(statement)
            if problem:
                found.denies.append((statement.match, 0, DIRECT, f"not an RCP statement AWS accepts: {problem}"))
            elif not statement.allow:
                known, possible, unknown = _applies(statement, action_hit, request, True, False)
                if possible and applies is None:
                    service = request.action.partition(":")[0]
                    known, unknown = 0, f"whether RCPs apply to {service} actions (not on the documented list)"
                found.add(statement, known, possible, unknown)
    return found


@dataclass(frozen=True, slots=True)
class Sets:
    identity: Scan
    resource: Scan
    boundary: Scan | None
    scp: tuple[Scan, ...] | None  # one scan per level of the organization, root first
    session: Scan | None
    rcp: Scan | None

    def all(self) -> tuple[Scan, ...]:
        capping = (self.boundary, self.session, self.rcp, *(self.scp or ()))
        return (self.identity, self.resource, *(s for s in capping if s is not None))


def _outcome(sets: Sets, caller: Caller, action: str, *, optimistic: bool, cross: bool, required: str) -> Result:
    """The decision in one scenario: unknown statements all favour access (optimistic) or all oppose it, and the
    request is or is not cross-account. ``required`` names the resource policy type that must allow ("" if none)."""
    who = caller.label
    resource_only = caller.kind != "aws"
    levels = sets.scp or ()
    capping = () if resource_only else tuple(s for s in (*levels, sets.boundary, sets.session) if s is not None)
    rcps = (sets.rcp,) if sets.rcp is not None else ()
    scans = (sets.resource, *rcps) if resource_only else (sets.resource, sets.identity, *capping, *rcps)
    denies = [m for one in scans for m in one.denying(optimistic)]
    if denies:
        return Result(Decision.DENY, f"explicit Deny in {denies[0].source} statement {denies[0].sid}", tuple(denies))
    resource = sets.resource
    if resource_only:
        grants = resource.allowing(DIRECT, optimistic)
        if grants:
            return Result(Decision.ALLOW, _allowed_by(grants), tuple(grants))
        return Result(Decision.IMPLICIT_DENY, f"resource policy {resource.sources} has no Allow for {who}", ())
    for level in levels:
        if not level.allowing(DIRECT, optimistic):
            return Result(Decision.IMPLICIT_DENY, f"no Allow for {action} in the SCPs {level.sources}", ())
    identity = sets.identity.allowing(DIRECT, optimistic)
    boundary_ok = sets.boundary is None or bool(sets.boundary.allowing(DIRECT, optimistic))
    session_ok = sets.session is None or bool(sets.session.allowing(DIRECT, optimistic))
    identity_ok = (bool(identity) or caller.is_root) and boundary_ok and session_ok
    direct = resource.allowing(DIRECT, optimistic)
    to_role = resource.allowing(ROLE, optimistic)
    to_account = resource.allowing(ACCOUNT, optimistic)

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


ASSUME_ROLE_ACTIONS = frozenset({"sts:assumerole", "sts:assumerolewithwebidentity", "sts:assumerolewithsaml"})
_KMS_KEY = Glob("arn:*:kms:*:*:key/*", wild=True, fold=False, arn=True)
_IAM_ROLE = Glob("arn:*:iam::*:role/*", wild=True, fold=False, arn=True)


def _different_accounts(principal: Principal, resource_account: str) -> Tri:
    if not principal.account or not resource_account:
        return False
    if UNKNOWN in principal.account or UNKNOWN in resource_account:
        return None
    return principal.account != resource_account


@dataclass(frozen=True)
class Caps:
    """The organization's policies in force for one request: SCP levels capping the caller, RCPs capping the
    resource (None: none)."""

    scp: tuple[tuple[Policy, ...], ...] | None
    rcp: tuple[Policy, ...] | None


def caps(
    request: Request,
    caller: Caller,
    scp: Sequence[Policy] | None,
    rcp: Sequence[Policy] | None,
    organization: Organization | None,
) -> Caps:
    if organization is not None:
        if scp is not None or rcp is not None:
            raise ValueError("give the SCPs and RCPs through the organization, or directly, not both")
        return Caps(organization.scp_levels(caller), organization.rcps_of(request.resource_account or caller.account))
    levels = (tuple(scp),) if scp is not None and scps_apply(caller) else None
    return Caps(levels, None if rcp is None else tuple(rcp))


def evaluate_request(
    request: Request,
    identity: Sequence[Policy],
    resource: Sequence[Policy],
    boundary: Sequence[Policy] | None,
    session: Sequence[Policy] | None,
    in_force: Caps,
    trust: Tri,
    organization: Organization | None = None,
) -> Result:
    caller = caller_of(request.principal)
    if caller.kind == "anonymous":
        return Result(
            Decision.UNKNOWN,
            "unknown: anonymous (unauthenticated) callers are not modelled (give the caller's ARN or account)",
            (),
        )
    context = request_context(request, caller, organization)
    req = Req(request.action, request.resource, caller, context, has_boundary=boundary is not None)
    resource_only = caller.kind != "aws"
    rcp_applies = rcps_apply(request, caller) if in_force.rcp is not None else False
    sets = Sets(
        identity=scan(() if resource_only else identity, req, False),
        resource=scan(resource, req, True, trust_policy=trust is True),
        boundary=None if boundary is None else scan(boundary, req, False),
        scp=None if in_force.scp is None else tuple(scan(level, req, False) for level in in_force.scp),
        session=None if session is None else scan(session, req, False),
        rcp=None if in_force.rcp is None or rcp_applies is False else _scan_rcps(in_force.rcp, req, rcp_applies),
    )
    kms = _KMS_KEY.match(request.resource, {})
    cross = _different_accounts(request.principal, request.resource_account)
    kinds = _possibilities(trust, "role trust policy", kms, "KMS key policy")
    crosses = [False, True] if cross is None else [cross]
    if len(kinds) == 1 and len(crosses) == 1 and all(one.certain for one in sets.all()):
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


def _unknown(sets: Sets, outcomes: list[tuple[Result, bool]], cross: bool, kind: bool, request: Request) -> Result:
    parts: list[str] = []
    matches: list[Match] = []
    ordered = (*(sets.scp or ()), sets.rcp, sets.resource, sets.identity, sets.boundary, sets.session)
    for one in ordered:
        if one is None:
            continue
        for m, known, possible, unknown in (*one.denies, *one.allows):
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
    rcp: Sequence[Policy] | None = None,
    organization: Organization | None = None,
) -> Result:
    """Decide one request the way AWS would, given the policies that apply to it.

    ``identity``: the caller's identity-based policies; ``resource``: the resource's policies (a bucket policy, a
    KMS key policy, a role trust policy); ``boundary``/``session``: ``None`` when there is none, otherwise they must
    allow (an empty sequence allows nothing). The organization's caps, either as ``organization`` (which picks the SCPs
    of the caller's account and the RCPs of the resource's account, and knows the management account) or directly:
    ``scp``, the SCPs in force for the caller's account (one level: one of them must allow), and ``rcp``, the RCPs in
    force for the resource's account (any of them can deny). ``sts:AssumeRole*`` on a role ARN is judged as a trust
    policy evaluation, and a KMS key ARN as a key policy evaluation: the resource policy is then required. For service
    and web-identity callers only the resource policies (and RCPs) are consulted."""
    caller = caller_of(request.principal)
    trust = _IAM_ROLE.match(request.resource, {}) if request.action.lower() in ASSUME_ROLE_ACTIONS else False
    in_force = caps(request, caller, scp, rcp, organization)
    return evaluate_request(request, identity, resource, boundary, session, in_force, trust, organization)


def evaluate_assume_role(
    request: Request,
    trust: Policy,
    identity: Sequence[Policy] = (),
    boundary: Sequence[Policy] | None = None,
    *,
    scp: Sequence[Policy] | None = None,
    rcp: Sequence[Policy] | None = None,
    organization: Organization | None = None,
) -> Result:
    """``request`` is an ``sts:AssumeRole*`` call on a role; ``trust`` is that role's trust policy, which must allow
    in every case (IAM User Guide, Policy evaluation logic: role trust policies are an exception). Within one account
    a trust policy naming the caller's ARN suffices; one naming the account delegates, so the caller's identity
    policy must allow too; across accounts the identity policy must always allow. SCPs and RCPs as for
    :func:`evaluate` (RCPs cap ``sts:AssumeRole*`` on the member accounts' roles)."""
    if request.action.lower() not in ASSUME_ROLE_ACTIONS:
        raise ValueError(f"evaluate_assume_role takes an sts:AssumeRole* request, got {request.action!r}")
    in_force = caps(request, caller_of(request.principal), scp, rcp, organization)
    return evaluate_request(request, identity, (trust,), boundary, None, in_force, True, organization)


def explain(result: Result) -> str:
    """A short multi-line account of a result for check output: the decision, why, and the statements involved."""
    lines = [f"{result.decision.value}: {result.reason}"]
    lines += [f"  - {m.effect} {m.source} statement {m.sid}" for m in result.matches]
    return "\n".join(lines)
