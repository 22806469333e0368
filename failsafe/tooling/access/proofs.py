"""Access proofs: each catalogue entry, resolved against the plans, evaluated the way AWS would evaluate it.

For every entry of :data:`~failsafe.tooling.access.catalogue.CATALOGUE` that the checked stack proves, the subject and
the target are looked up in the plans (the principal from a role or a provider's assumed role, the resource and its
policies from the resources that govern it), every action is evaluated with
:func:`~failsafe.tooling.access.evaluator.evaluate` (or :func:`evaluate_assume_role` for a role's trust), and the
decision is compared with the expectation. A decision that depends on a value unknown at preview is reported as
``unknown``: it is never a pass. A subject or target the catalogue expects but the plan lacks is a failure.

Identity policies the stack does not declare are modelled, and the model is named in the reason of every decision
that uses it: the bootstrap deploy role (AdministratorAccess-like: "Allow * on *", so only resource-side Denies and
key policies can stop it), a person of the identity account (may call sts:AssumeRole on anything), and prod's
principals seen from the dr stack (a compromised prod: its identity side allows everything).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from failsafe.settings.config import Role as StackRole
from failsafe.settings.config import StackConfig
from failsafe.tooling import planning
from failsafe.tooling.access import collect
from failsafe.tooling.access.catalogue import CATALOGUE, Entry
from failsafe.tooling.access.collect import StackPolicies, allow_all, default_key_policy
from failsafe.tooling.access.evaluator import (
    Decision,
    Policy,
    Principal,
    Request,
    Result,
    evaluate,
    evaluate_assume_role,
)
from failsafe.tooling.access.iam.organizations import Organization
from failsafe.tooling.access.perimeter import ALLOW_ALL, organization_for
from failsafe.tooling.harness import Plan
from failsafe_components import names, spec
from failsafe_components.ci_access import AUDIENCE, GITHUB_OIDC_HOST
from failsafe_components.prod_backup import backup_role_name, event_bus_name

PROVEN, FAILING, UNKNOWN = "proven", "failing", "unknown"
PROOF_OBJECT = "failsafe-access-proof/object"  # the object key object-level actions are asked about
HUMAN_ROLES = ("restore-operator", "auditor", "break-glass")


@dataclass(frozen=True)
class Subject:
    """Who asks: the principal, the identity policies used for it (from the plan, or modelled) and its boundary."""

    key: str | None  # the protected bucket it belongs to; None: any
    label: str
    principal: Principal
    identity: tuple[Policy, ...] = ()
    boundary: tuple[Policy, ...] | None = None
    missing: str = ""  # why the plan cannot provide it (then the proof fails)
    context: Mapping[str, str] = field(default_factory=dict)  # what the caller brings (a service's source ARN)


@dataclass(frozen=True)
class Target:
    """What is asked for: the resource, its account and region, and the resource policies on it."""

    key: str | None
    arn: str
    account: str
    region: str
    policies: tuple[Policy, ...] = ()
    trust: Policy | None = None  # a role's trust policy: the request is an sts:AssumeRole
    missing: str = ""


@dataclass(frozen=True)
class Outcome:
    entry: Entry
    who: str
    action: str
    resource: str
    status: str  # proven, failing, unknown
    decision: str  # the evaluator's decision, or "missing"
    reason: str
    context: Mapping[str, str] = field(default_factory=dict)  # the request context the decision was made with

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.entry.id,
            "expect": self.entry.expect,
            "status": self.status,
            "who": self.who,
            "action": self.action,
            "resource": self.resource,
            "decision": self.decision,
            "reason": self.reason,
            "context": dict(self.context),
            "doc": self.entry.doc,
        }

    def sentence(self) -> str:
        """One line for people: the entry, who, whether AWS lets them do what on which resource, and why."""
        allowed = "can" if self.decision == "allow" else "cannot"
        verb = "may or may not" if self.status == UNKNOWN else allowed
        return (
            f"[{self.entry.expect}] {self.entry.id}: {self.who} {verb} {self.action} on {self.resource}: {self.reason}"
        )


@dataclass(frozen=True)
class Estate:
    """What the proofs of one stack see: its config (estate-wide names and accounts) and the plans they need."""

    cfg: StackConfig
    plans: Mapping[str, StackPolicies]  # "dr", and "prod" when checking prod
    # the organization with the org plan's SCPs and RCPs in force (None: no organization configured), and the two
    # accounts the proofs ask about as strangers: one outside it, one in it but outside the protected OUs
    organization: Organization | None = None
    outsider: str = ""
    other_ou: str = ""
    dr_cfg: StackConfig | None = None  # dr's config: the fleet's registry (the checked stack's own when it is dr)

    def plan(self, role: str) -> StackPolicies | None:
        return self.plans.get(role)

    @property
    def members(self) -> tuple[Any, ...]:
        registry = self.dr_cfg or self.cfg
        return registry.fleet.members if registry.fleet else ()


# --- subjects ---------------------------------------------------------------------------------------------------------


def _modelled(what: str) -> Policy:
    return allow_all(f"modelled identity policy of {what}")


def _role_subject(estate: Estate, stack: str, name: str, key: str | None, label: str) -> Subject:
    """Role ``name`` of the ``stack`` plan with its own policies, labelled ``label`` and its ARN."""
    plan = estate.plan(stack)
    role = plan.roles.get(name) if plan else None
    if role is None:
        principal = Principal(f"arn:aws:iam::unknown:role/{name}", "")
        return Subject(key, f"{label} {name}", principal, missing=f"role {name} is not in the {stack} plan")
    return Subject(key, f"{label} {role.arn}", Principal(role.arn, role.account), role.identity, role.boundary)


def _deploy_session(estate: Estate) -> Iterator[Subject]:
    backup = estate.cfg.accounts.backup
    plan = estate.plan("dr")
    provider = plan.provider_for(backup) if plan else None
    if provider is None or not provider.role_arn:
        missing = f"no aws provider of the dr plan assumes a deploy role in {backup}"
        yield Subject(None, "the dr deploy role", Principal("", backup), missing=missing)
        return
    policy = _modelled(f"{provider.role_arn} (the bootstrap deploy role, outside the stack): AdministratorAccess")
    label = f"{provider.session_arn} (dr deploy session, no MFA)"
    yield Subject(None, label, Principal(provider.session_arn, backup), (policy,))


def _break_glass(estate: Estate) -> Iterator[Subject]:
    name = f"{estate.cfg.name_prefix}-break-glass"
    yield _role_subject(estate, "dr", name, None, "break-glass")


def _replication_roles(estate: Estate) -> Iterator[Subject]:
    for bucket in estate.cfg.protected_buckets:
        name = estate.cfg.replication_role_name_for(bucket)
        yield _role_subject(estate, "prod", name, bucket, "prod replication role")


def _replication_roles_by_name(estate: Estate) -> Iterator[Subject]:
    """prod's replication roles as dr sees them: by their deterministic ARN; their own policy is prod's half (proven
    by `check prod`), modelled here as allowing everything so that only dr's half decides."""
    for bucket in estate.cfg.protected_buckets:
        arn = estate.cfg.replication_role_arn_for(bucket)
        policy = _modelled(f"{arn} (in the prod plan; proven there)")
        yield Subject(bucket, f"prod replication role {arn}", Principal(arn, estate.cfg.accounts.prod), (policy,))


def _prod_restore_role(estate: Estate) -> Iterator[Subject]:
    """prod's deploy role as the --to-profile of `restore s3`: its identity side is prod's (modelled: may do anything),
    so only dr's replica policies and key decide whether it can read the replica versions it copies."""
    cfg = estate.cfg
    arn = cfg.role_arn(cfg.accounts.prod, cfg.deploy_role_name)
    policy = _modelled(f"{arn} (prod's deploy role, outside the plans)")
    yield Subject(None, f"prod restore role {arn}", Principal(arn, cfg.accounts.prod), (policy,))


def _prod_root(estate: Estate) -> Iterator[Subject]:
    prod = estate.cfg.accounts.prod
    yield Subject(None, f"prod account root arn:aws:iam::{prod}:root", Principal(f"arn:aws:iam::{prod}:root", prod))


def _prod_compromised(estate: Estate) -> Iterator[Subject]:
    """Every prod principal dr's policies name, with an identity side that allows everything (prod compromised)."""
    yield from _prod_root(estate)
    yield from _prod_restore_role(estate)
    for bucket in estate.cfg.protected_buckets:
        arn = estate.cfg.replication_role_arn_for(bucket)
        policy = _modelled(f"{arn} (prod compromised: allows everything)")
        yield Subject(None, f"prod replication role {arn}", Principal(arn, estate.cfg.accounts.prod), (policy,))


def _person(estate: Estate) -> Iterator[Subject]:
    account = estate.cfg.accounts.identity
    if not account:  # no identity account: no IAM user may assume the human roles (StackConfig.omissions says so)
        return
    arn = f"arn:aws:iam::{account}:user/failsafe-access-proof"
    policy = Policy(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]},
        f"modelled identity policy of {arn} (a person of the identity account: may assume any role)",
    )
    yield Subject(None, f"a person of the identity account ({arn})", Principal(arn, account), (policy,))


def _other_human_roles(estate: Estate) -> Iterator[Subject]:
    for role in HUMAN_ROLES:
        if role != "break-glass":
            name = f"{estate.cfg.name_prefix}-{role}"
            yield _role_subject(estate, "dr", name, None, role)


def _triggers(lookalike: bool) -> Callable[[Estate], Iterator[Subject]]:
    """The services the dr plan wires to invoke its functions, each with the source ARN it calls with; or, as
    ``lookalike``, the same service calling from a same-named source in the prod account (a confused deputy)."""

    def subjects(estate: Estate) -> Iterator[Subject]:
        plan = estate.plan("dr")
        backup, prod = estate.cfg.accounts.backup, estate.cfg.accounts.prod
        for trigger in plan.triggers if plan else []:
            source, account = trigger.source_arn, backup
            if lookalike:
                source, account = source.replace(f":{backup}:", f":{prod}:"), prod
            context = {"aws:SourceArn": source, "aws:SourceAccount": account}
            principal = Principal("", account, service=trigger.service)
            yield Subject(trigger.function, f"{trigger.service} for {source}", principal, context=context)

    return subjects


def _restore_operator(estate: Estate) -> Iterator[Subject]:
    name = f"{estate.cfg.name_prefix}-restore-operator"
    yield _role_subject(estate, "dr", name, None, "restore-operator")


def _archive_role(estate: Estate) -> Iterator[Subject]:
    """The archive workflow's role (CiAccess, dr, only with ciAccess on): adds Pulumi state exports."""
    if estate.cfg.ci.enabled:
        name = names.fit(f"{estate.cfg.name_prefix}-ci-archive", names.IAM_ROLE_NAME_MAX)
        yield _role_subject(estate, "dr", name, None, "archive workflow role")


# --- the fleet (issue 24) and the perimeter (issue 25) ---------------------------------------------------------------


def _member_roles(
    role: Callable[[Estate, str, str], str], label: str, per_bucket: bool
) -> Callable[[Estate], Iterator[Subject]]:
    """A role of every member (or of every member's buckets), by its deterministic name, its identity side modelled:
    it is in the member's plan (proven by `check prod-<name>`), so only dr's half decides here."""

    def subjects(estate: Estate) -> Iterator[Subject]:
        for m in estate.members:
            for bucket in m.buckets if per_bucket else ("",):
                arn = estate.cfg.role_arn(m.account, role(estate, m.name, bucket))
                policy = _modelled(f"{arn} (in the plan of prod-{m.name}; proven there)")
                key = f"{m.name}/{bucket}" if per_bucket else None
                yield Subject(key, f"{label} {arn}", Principal(arn, m.account), (policy,))

    return subjects


def _replication_role(estate: Estate, member: str, bucket: str) -> str:
    return estate.cfg.replication_role_name_for(bucket)


def _strangers(which: str) -> Callable[[Estate], Iterator[Subject]]:
    """failsafe's role names in an account outside the organization (``outsider``) or in an unprotected OU
    (``other_ou``), with an identity side that allows everything (the stranger's admin made them)."""

    def subjects(estate: Estate) -> Iterator[Subject]:
        account = estate.outsider if which == "outsider" else estate.other_ou
        if estate.organization is None:
            return
        where = "outside the organization" if which == "outsider" else "in an OU of the organization no one protects"
        np = estate.cfg.name_prefix
        names: list[tuple[str | None, str]] = [
            (f"{m.name}/{b}", estate.cfg.replication_role_name_for(b)) for m in estate.members for b in m.buckets
        ]
        names += [(None, backup_role_name(np)), (None, f"{np}-snapshot-events-forward")]
        for key, name in names:
            arn = estate.cfg.role_arn(account, name)
            policy = _modelled(f"{arn} (an account {where}: allows everything)")
            yield Subject(key, f"role {arn} ({where})", Principal(arn, account), (policy,))

    return subjects


def _outsider_anyone(estate: Estate) -> Iterator[Subject]:
    if estate.organization is None:
        return
    arn = f"arn:aws:iam::{estate.outsider}:root"
    yield Subject(None, f"{arn} (outside the organization)", Principal(arn, estate.outsider), (_modelled(arn),))


def _github(repository: str | None) -> Callable[[Estate], Iterator[Subject]]:
    """A GitHub Actions workflow of this repository (``None``) or of another one, in the dr environment, calling STS
    with its OIDC token (the subject and audience are the token's claims)."""

    def subjects(estate: Estate) -> Iterator[Subject]:
        if estate.organization is None or not estate.cfg.ci.enabled:
            return
        repo = repository or estate.cfg.ci.github_repository
        context = {f"{GITHUB_OIDC_HOST}:sub": f"repo:{repo}:environment:dr", f"{GITHUB_OIDC_HOST}:aud": AUDIENCE}
        label = f"a GitHub workflow of {repo} (environment dr)"
        yield Subject(None, label, Principal("", "", federated=GITHUB_OIDC_HOST), context=context)

    return subjects


def _prod_backup_role_by_name(estate: Estate) -> Iterator[Subject]:
    """prod's AWS Backup service role as dr sees it, by its deterministic name: its identity side is AWS's managed
    policy (outside the plans, and not modelled), so only the destination vault's policy decides here."""
    cfg = estate.cfg
    arn = cfg.role_arn(cfg.accounts.prod, backup_role_name(cfg.name_prefix))
    policy = _modelled(f"{arn} (AWSBackupServiceRolePolicyForBackup, AWS's: outside the proofs)")
    yield Subject(None, f"prod backup service role {arn}", Principal(arn, cfg.accounts.prod), (policy,))


def _recovery_operator(estate: Estate) -> Iterator[Subject]:
    if estate.cfg.air_gap.enabled:
        name = spec.recovery_operator_role_name(estate.cfg.name_prefix)
        yield _role_subject(estate, "dr", name, None, "recovery operator")


def _recovery_person(estate: Estate) -> Iterator[Subject]:
    """A person of the recovery account (an IAM user there; identity modelled as "may assume any role")."""
    if not estate.cfg.air_gap.enabled:
        return
    account = estate.cfg.air_gap.recovery_account
    arn = f"arn:aws:iam::{account}:user/failsafe-access-proof"
    policy = Policy(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]},
        f"modelled identity policy of {arn} (a person of the recovery account: may assume any role)",
    )
    yield Subject(None, f"a person of the recovery account ({arn})", Principal(arn, account), (policy,))


SUBJECTS: dict[str, Callable[[Estate], Iterator[Subject]]] = {
    "dr-deploy-session": _deploy_session,
    "dr-break-glass": _break_glass,
    "prod-replication-role": _replication_roles,
    "prod-replication-role-by-name": _replication_roles_by_name,
    "prod-root": _prod_root,
    "prod-restore-role": _prod_restore_role,
    "prod-principals-compromised": _prod_compromised,
    "identity-account-person": _person,
    "dr-other-human-roles": _other_human_roles,
    "dr-restore-operator": _restore_operator,
    "dr-archive-role": _archive_role,
    "dr-function-triggers": _triggers(lookalike=False),
    "lookalike-function-triggers": _triggers(lookalike=True),
    "member-replication-role-by-name": _member_roles(_replication_role, "member replication role", per_bucket=True),
    "member-backup-role": _member_roles(
        lambda e, m, b: backup_role_name(e.cfg.name_prefix), "member backup role", False
    ),
    "member-event-forwarder": _member_roles(
        lambda e, m, b: f"{e.cfg.name_prefix}-snapshot-events-forward", "member event forwarder", False
    ),
    "member-restore-role": _member_roles(lambda e, m, b: e.cfg.deploy_role_name, "member restore role", True),
    "outside-org-same-role-names": _strangers("outsider"),
    "other-ou-same-role-names": _strangers("other_ou"),
    "outside-org-anyone": _outsider_anyone,
    "github-workflow-dr": _github(None),
    "github-workflow-other-repository": _github("someone-else/fork"),
    "prod-backup-role-by-name": _prod_backup_role_by_name,
    "recovery-operator": _recovery_operator,
    "recovery-account-person": _recovery_person,
}


# --- targets ----------------------------------------------------------------------------------------------------------


def _bucket(estate: Estate, stack: str, name: str, key: str | None, objects: bool) -> Target:
    plan = estate.plan(stack)
    bucket = plan.buckets.get(name) if plan else None
    arn = f"arn:aws:s3:::{name}" + (f"/{PROOF_OBJECT}" if objects else "")
    if bucket is None:
        return Target(key, arn, "", "", missing=f"bucket {name} is not in the {stack} plan")
    return Target(key, arn, bucket.account, bucket.region, bucket.policies)


def _replicas(objects: bool) -> Callable[[Estate], Iterator[Target]]:
    def targets(estate: Estate) -> Iterator[Target]:
        for bucket in estate.cfg.protected_buckets:
            yield _bucket(estate, "dr", estate.cfg.replica_bucket_name(bucket), bucket, objects)

    return targets


def _locked(objects: bool) -> Callable[[Estate], Iterator[Target]]:
    def targets(estate: Estate) -> Iterator[Target]:
        yield from _replicas(objects)(estate)
        yield _bucket(estate, "dr", estate.cfg.archive_bucket_name, "archive", objects)

    return targets


def _archive_objects(estate: Estate) -> Iterator[Target]:
    yield _bucket(estate, "dr", estate.cfg.archive_bucket_name, "archive", objects=True)


def _sources(objects: bool) -> Callable[[Estate], Iterator[Target]]:
    def targets(estate: Estate) -> Iterator[Target]:
        for bucket in estate.cfg.protected_buckets:
            yield _bucket(estate, "prod", estate.cfg.source_bucket_name(bucket), bucket, objects)

    return targets


def _backup_key(estate: Estate) -> Iterator[Target]:
    alias = f"alias/{estate.cfg.name_prefix}-backup"
    plan = estate.plan("dr")
    key = plan.key_by_alias(alias) if plan else None
    if key is None:
        yield Target(None, alias, "", "", missing=f"no key with alias {alias} in the dr plan")
        return
    yield Target(None, key.arn, key.account, key.region, key.policies)


def _source_keys(estate: Estate) -> Iterator[Target]:
    plan = estate.plan("prod")
    for bucket in estate.cfg.protected_buckets:
        name = estate.cfg.source_bucket_name(bucket)
        adopted = estate.cfg.adoption(bucket)
        if adopted is not None:  # an existing key (adoptBuckets): config checked it is prod's, in primaryRegion
            _, _, _, region, account, _ = adopted.kms_key_arn.split(":", 5)
            source = (
                f"default key policy ASSUMED for the adopted key of {name}: its real policy is outside the plan and "
                "must let the account's IAM policies grant its use (docs/data-protection.md, Adopting existing buckets)"
            )
            yield Target(bucket, adopted.kms_key_arn, account, region, (default_key_policy(account, source),))
            continue
        urn = plan.bucket_keys.get(name) if plan else None
        key = plan.keys.get(urn) if plan and urn else None
        if key is None:
            yield Target(bucket, f"key of {name}", "", "", missing=f"no SSE-KMS key for bucket {name} in the prod plan")
            continue
        yield Target(bucket, key.arn, key.account, key.region, key.policies)


def _human_roles(estate: Estate) -> Iterator[Target]:
    plan = estate.plan("dr")
    for role_name in HUMAN_ROLES:
        name = f"{estate.cfg.name_prefix}-{role_name}"
        role = plan.roles.get(name) if plan else None
        if role is None:
            yield Target(None, name, "", "", missing=f"role {name} is not in the dr plan")
            continue
        yield Target(None, role.arn, role.account, "", trust=role.trust)


def _backup_restore_role(estate: Estate) -> Iterator[Target]:
    """The role AWS Backup restores as: asked about as the resource of iam:PassRole (its trust is not the question)."""
    plan = estate.plan("dr")
    name = f"{estate.cfg.name_prefix}-backup-restore"
    role = plan.roles.get(name) if plan else None
    if role is None:
        yield Target(None, name, "", "", missing=f"role {name} is not in the dr plan")
        return
    yield Target(None, role.arn, role.account, "")


def _vault(recovery_points: bool, air_gapped: bool = False) -> Callable[[Estate], Iterator[Target]]:
    def targets(estate: Estate) -> Iterator[Target]:
        if air_gapped and not estate.cfg.air_gap.enabled:
            return
        plan = estate.plan("dr")
        prefix = estate.cfg.name_prefix
        name = spec.air_gapped_vault_name(prefix) if air_gapped else f"{prefix}-vault"
        vault = plan.vaults.get(name) if plan else None
        if vault is None:
            yield Target(None, name, "", "", missing=f"vault {name} is not in the dr plan")
            return
        arn = vault.arn
        if recovery_points:
            arn = f"arn:aws:backup:{vault.region}:{vault.account}:recovery-point:failsafe-access-proof"
        yield Target(None, arn, vault.account, vault.region, vault.policies)

    return targets


def _recovery_role(kind: str) -> Callable[[Estate], Iterator[Target]]:
    """A role of the recovery account in the dr plan: the restore role (the resource of iam:PassRole) or the operator
    role (its trust is the question)."""

    def targets(estate: Estate) -> Iterator[Target]:
        if not estate.cfg.air_gap.enabled:
            return
        plan = estate.plan("dr")
        prefix = estate.cfg.name_prefix
        named = spec.recovery_restore_role_name if kind == "restore" else spec.recovery_operator_role_name
        name = named(prefix)
        role = plan.roles.get(name) if plan else None
        if role is None:
            yield Target(None, name, "", "", missing=f"role {name} is not in the dr plan")
            return
        yield Target(None, role.arn, role.account, "", trust=role.trust if kind == "operator" else None)

    return targets


def _functions(estate: Estate) -> Iterator[Target]:
    plan = estate.plan("dr")
    for name, function in sorted(plan.functions.items()) if plan else []:
        yield Target(name, function.arn, function.account, function.region, function.policies)


def _member_replicas(planted: bool) -> Callable[[Estate], Iterator[Target]]:
    """Each member's replica objects; ``planted``: with a bucket policy added that allows everyone everything (what a
    mistaken edit could do), so only the perimeter RCP can refuse a stranger."""

    def targets(estate: Estate) -> Iterator[Target]:
        registry = estate.dr_cfg or estate.cfg
        if registry.fleet is None:
            return
        names = registry.fleet.replica_buckets(registry.bucket_name_prefix, registry.dr_region)
        for (member, bucket), name in sorted(names.items()):
            target = _bucket(estate, "dr", name, f"{member}/{bucket}", objects=True)
            if planted:
                if estate.organization is None:
                    return
                target = dataclasses.replace(target, key=None, policies=(*target.policies, ALLOW_ALL))
            yield target
            if planted:
                return  # one is enough: every replica has the same perimeter

    return targets


def _snapshot_bus(estate: Estate) -> Iterator[Target]:
    plan = estate.plan("dr")
    name = event_bus_name(estate.cfg.name_prefix)
    bus = plan.buses.get(name) if plan else None
    if bus is None:
        yield Target(None, name, "", "", missing=f"event bus {name} is not in the dr plan")
        return
    yield Target(None, bus.arn, bus.account, bus.region, bus.policies)


def _ci_entry_role(estate: Estate) -> Iterator[Target]:
    if not estate.cfg.ci.enabled:
        return
    plan = estate.plan("dr")
    name = names.fit(f"{estate.cfg.name_prefix}-ci-dr", names.IAM_ROLE_NAME_MAX)
    role = plan.roles.get(name) if plan else None
    if role is None:
        yield Target(None, name, "", "", missing=f"role {name} is not in the dr plan")
        return
    yield Target(None, role.arn, role.account, "", trust=role.trust)


TARGETS: dict[str, Callable[[Estate], Iterator[Target]]] = {
    "dr-locked-buckets": _locked(objects=False),
    "dr-locked-objects": _locked(objects=True),
    "dr-replica-buckets": _replicas(objects=False),
    "dr-replica-objects": _replicas(objects=True),
    "dr-archive-objects": _archive_objects,
    "dr-backup-key": _backup_key,
    "dr-human-roles": _human_roles,
    "dr-backup-restore-role": _backup_restore_role,
    "prod-source-buckets": _sources(objects=False),
    "prod-source-objects": _sources(objects=True),
    "prod-source-keys": _source_keys,
    "dr-vault": _vault(recovery_points=False),
    "dr-vault-recovery-points": _vault(recovery_points=True),
    "dr-functions": _functions,
    "dr-member-replica-objects": _member_replicas(planted=False),
    "dr-replica-objects-with-planted-open-policy": _member_replicas(planted=True),
    "dr-snapshot-bus": _snapshot_bus,
    "dr-ci-entry-role": _ci_entry_role,
    "dr-air-gapped-vault": _vault(recovery_points=False, air_gapped=True),
    "dr-air-gapped-recovery-points": _vault(recovery_points=True, air_gapped=True),
    "recovery-restore-role": _recovery_role("restore"),
    "recovery-operator-role": _recovery_role("operator"),
}


# --- evaluation -------------------------------------------------------------------------------------------------------


def _decide(
    subject: Subject, target: Target, action: str, context: Mapping[str, str], organization: Organization | None = None
) -> Result:
    request = Request(subject.principal, action, target.arn, target.account, context)
    if target.trust is not None:
        return evaluate_assume_role(
            request, target.trust, subject.identity, subject.boundary, organization=organization
        )
    return evaluate(
        request,
        identity=subject.identity,
        resource=target.policies,
        boundary=subject.boundary,
        organization=organization,
    )


def _status(entry: Entry, result: Result) -> str:
    if result.decision is Decision.UNKNOWN:
        return UNKNOWN
    allowed = result.decision is Decision.ALLOW
    return PROVEN if allowed == (entry.expect == "required") else FAILING


def prove_entry(entry: Entry, estate: Estate) -> list[Outcome]:
    subjects = list(SUBJECTS[entry.who](estate))
    targets = list(TARGETS[entry.on](estate))
    outcomes: list[Outcome] = []
    for subject in subjects:
        for target in targets:
            if subject.key is not None and target.key is not None and subject.key != target.key:
                continue
            context = {k: v.format(region=target.region) for k, v in entry.context.items()} | dict(subject.context)
            for action in entry.actions:
                missing = subject.missing or target.missing
                if missing:
                    outcomes.append(
                        Outcome(entry, subject.label, action, target.arn, FAILING, "missing", missing, context)
                    )
                    continue
                result = _decide(subject, target, action, context, estate.organization)
                status = _status(entry, result)
                outcomes.append(
                    Outcome(
                        entry, subject.label, action, target.arn, status, result.decision.value, result.reason, context
                    )
                )
    return outcomes


def prove(
    cfg: StackConfig,
    plans: Mapping[str, Plan],
    dr_cfg: StackConfig | None = None,
    *,
    collected: MutableMapping[str, collect.StackPolicies] | None = None,
) -> list[Outcome]:
    """The outcomes of every catalogue entry the stack of ``cfg`` proves. ``plans``: by stack role ("dr", "prod",
    and "org" for the organization's SCPs and RCPs in force); checking prod needs dr's. ``dr_cfg``: dr's config when
    the checked stack is not dr (a member's path comes from dr's registry). ``collected``: policies already collected,
    by stack name, filled as plans are collected (``check --all`` collects dr's once for every member; a plan is
    never changed once made, so its policies are the same for every reader)."""
    if cfg.role in (StackRole.PREVIEW, StackRole.ORG):
        return []
    registry = cfg if cfg.role is StackRole.DR else dr_cfg or cfg
    built = organization_for(registry, plans.get("org"))
    organization, outsider, other_ou = built if built is not None else (None, "", "")
    estate = Estate(
        cfg,
        {role: _collected(plan, collected) for role, plan in plans.items() if role != "org"},
        organization,
        outsider,
        other_ou,
        dr_cfg if cfg.role is not StackRole.DR else cfg,
    )
    return [o for entry in CATALOGUE if entry.stack == cfg.role.value for o in prove_entry(entry, estate)]


def _collected(plan: Plan, cache: MutableMapping[str, collect.StackPolicies] | None) -> collect.StackPolicies:
    if cache is None:
        return collect.collect(plan)
    if plan.stack not in cache:
        cache[plan.stack] = collect.collect(plan)
    return cache[plan.stack]


def prove_stack(
    stack: str, plan_stack: Callable[[str], Plan], plan: Plan | None = None, org_stack: str | None = None
) -> list[Outcome]:
    """Plan what the proofs of ``stack`` need (its own plan, dr's for prod, the org stack's when the estate names an
    organization) and prove them. ``plan``: the stack's plan when the caller has it already."""
    _, cfg = planning.stack_config(stack)
    plans = {cfg.role.value: plan if plan is not None else plan_stack(stack)}
    dr_cfg = None
    if cfg.role is StackRole.PROD and cfg.dr_stack_name:
        dr_stack = cfg.dr_stack_name.rsplit("/", 1)[-1]
        plans["dr"] = plan_stack(dr_stack)
        dr_cfg = planning.stack_config(dr_stack)[1]
    if org_stack is not None and cfg.role is not StackRole.ORG:
        plans["org"] = plan_stack(org_stack)
    return prove(cfg, plans, dr_cfg)


def summary(outcomes: list[Outcome]) -> dict[str, Any]:
    """The JSON form: counts and every path with its status (what `check --json` puts under "access")."""
    counts = {status: sum(1 for o in outcomes if o.status == status) for status in (PROVEN, FAILING, UNKNOWN)}
    return {**counts, "paths": [o.to_dict() for o in outcomes]}
