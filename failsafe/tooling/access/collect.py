"""The policies one plan declares, indexed by what they govern, for the access proofs to evaluate.

A plan records each policy on its own resource (``RolePolicy``, ``BucketPolicy``, a key's ``policy`` input...), tied
to the role, bucket, key, topic, vault or function it governs by a reference. References are followed through the
recorded property dependencies first (at preview ``bucket.id`` or ``role.id`` is unknown, the dependency is not) and
by value otherwise. Every policy becomes an :class:`~failsafe.tooling.access.evaluator.Policy` labelled with the kind
and the Pulumi name of the resource that declares it, so a failing proof names what to change.

Policies that govern the estate but are not declared in it are modelled, each in one place here, and each says so
in its label: the AWS managed policies attached by ARN, a key without a ``policy`` input (AWS gives it the default
key policy), and the identity policies of principals created outside the stack (the bootstrap deploy role).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from failsafe.tooling.access.evaluator import UNKNOWN, Policy
from failsafe.tooling.harness import PROVIDER_PREFIX, Plan, PlannedResource

ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
MANAGED_POLICY = "aws:iam/policy:Policy"
BUCKET = "aws:s3/bucket:Bucket"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
ENCRYPTION = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
KEY = "aws:kms/key:Key"
ALIAS = "aws:kms/alias:Alias"
TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"
VAULT = "aws:backup/vault:Vault"
VAULT_POLICY = "aws:backup/vaultPolicy:VaultPolicy"
AIR_GAPPED_VAULT = "aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault"
RAM_SHARE = "aws:ram/resourceShare:ResourceShare"
RAM_RESOURCE = "aws:ram/resourceAssociation:ResourceAssociation"
RAM_PRINCIPAL = "aws:ram/principalAssociation:PrincipalAssociation"
# What a RAM share of a backup vault lets the accounts it names do: the actions AWS Backup lists for sharing a
# logically air-gapped vault (AWS Backup Developer Guide, "Logically air-gapped vault" -> "Share a logically air-gapped
# vault", prerequisites). RAM's own permission document is not in the plan: this is the model, and says so.
RAM_BACKUP_VAULT_ACTIONS = (
    "backup:DescribeBackupVault",
    "backup:DescribeRecoveryPoint",
    "backup:GetRecoveryPointRestoreMetadata",
    "backup:ListProtectedResourcesByBackupVault",
    "backup:ListRecoveryPointsByBackupVault",
    "backup:ListTags",
    "backup:StartRestoreJob",
)
FUNCTION = "aws:lambda/function:Function"
PERMISSION = "aws:lambda/permission:Permission"
EVENT_RULE = "aws:cloudwatch/eventRule:EventRule"
EVENT_TARGET = "aws:cloudwatch/eventTarget:EventTarget"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
EVENT_BUS = "aws:cloudwatch/eventBus:EventBus"
EVENT_BUS_POLICY = "aws:cloudwatch/eventBusPolicy:EventBusPolicy"
VERSION = "2012-10-17"


def allow_all(source: str) -> Policy:
    """ "Allow * on *": AdministratorAccess, and how the proofs model identity policies they cannot see."""
    return Policy(
        {"Version": VERSION, "Statement": [{"Sid": "AllowAll", "Effect": "Allow", "Action": "*", "Resource": "*"}]},
        source,
    )


# AWS managed policies the estate attaches, by ARN suffix. AdministratorAccess is exactly "Allow * on *";
# ReadOnlyAccess is modelled by its verbs (Get/List/Describe...), which is what the proofs need to tell it from a
# writer; any other AWS managed policy is unknown to the proofs (an opaque document: never a pass).
_AWS_MANAGED: dict[str, dict[str, Any]] = {
    "AdministratorAccess": {
        "Version": VERSION,
        "Statement": [{"Sid": "AllowAll", "Effect": "Allow", "Action": "*", "Resource": "*"}],
    },
    "ReadOnlyAccess": {
        "Version": VERSION,
        "Statement": [
            {
                "Sid": "ReadOnlyVerbs",
                "Effect": "Allow",
                "Action": ["*:Get*", "*:List*", "*:Describe*", "*:BatchGet*", "*:Lookup*", "*:View*"],
                "Resource": "*",
            }
        ],
    },
}


def _policy_of(document: Mapping[str, Any] | str, source: str) -> Policy:
    """A Policy from a document or its JSON text, or the unknown sentinel (evaluator.Policy takes all three; its field
    is annotated as the mapping it holds once parsed)."""
    held: Any = document
    return Policy(held, source)


def aws_managed(arn: str) -> Policy:
    name = arn.rsplit("/", 1)[-1]
    document = _AWS_MANAGED.get(name)
    if document is None:
        return _policy_of(UNKNOWN, f"AWS managed policy {name} (not modelled: unknown to the proofs)")
    return Policy(document, f"AWS managed policy {name} (modelled)")


def default_key_policy(account: str, source: str) -> Policy:
    """AWS KMS Developer Guide, "Default key policy": a key created without a policy lets its account's IAM policies
    grant its use (the account root statement)."""
    statement = {
        "Sid": "Enable IAM User Permissions",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
        "Action": "kms:*",
        "Resource": "*",
    }
    return Policy({"Version": VERSION, "Statement": [statement]}, source)


@dataclass(frozen=True)
class Provider:
    """Where an aws provider deploys and as whom: the session its ``assumeRoles`` opens is the deployer."""

    urn: str
    account: str
    region: str
    role_arn: str
    session_name: str

    @property
    def session_arn(self) -> str:
        role = self.role_arn.rsplit("/", 1)[-1]
        return f"arn:aws:sts::{self.account}:assumed-role/{role}/{self.session_name or 'pulumi'}"


@dataclass(frozen=True)
class Role:
    urn: str
    name: str
    arn: str
    account: str
    trust: Policy
    identity: tuple[Policy, ...]
    boundary: tuple[Policy, ...] | None


@dataclass(frozen=True)
class Governed:
    """A resource and the resource-based policies on it (bucket, key, topic, vault, function)."""

    urn: str
    name: str  # physical name (bucket name, vault name, function name) or the Pulumi name
    arn: str
    account: str
    region: str
    policies: tuple[Policy, ...]


@dataclass(frozen=True)
class Trigger:
    """An AWS service the plan wires to invoke a function: an EventBridge rule target or an SNS subscription."""

    service: str
    source_arn: str
    function: str  # function name


@dataclass
class StackPolicies:
    stack: str
    providers: dict[str, Provider] = field(default_factory=dict)  # by URN
    roles: dict[str, Role] = field(default_factory=dict)  # by role name
    buckets: dict[str, Governed] = field(default_factory=dict)  # by bucket name
    keys: dict[str, Governed] = field(default_factory=dict)  # by URN
    key_aliases: dict[str, str] = field(default_factory=dict)  # alias name -> key URN
    bucket_keys: dict[str, str] = field(default_factory=dict)  # bucket name -> URN of its default SSE-KMS key
    topics: dict[str, Governed] = field(default_factory=dict)  # by URN of the topic
    vaults: dict[str, Governed] = field(default_factory=dict)  # by vault name
    functions: dict[str, Governed] = field(default_factory=dict)  # by function name
    buses: dict[str, Governed] = field(default_factory=dict)  # event buses by name
    triggers: list[Trigger] = field(default_factory=list)

    def provider_for(self, account: str) -> Provider | None:
        return next((p for p in self.providers.values() if p.account == account), None)

    def key_by_alias(self, alias: str) -> Governed | None:
        urn = self.key_aliases.get(alias)
        return self.keys.get(urn) if urn else None


def _known(value: Any) -> bool:
    return isinstance(value, str) and bool(value) and UNKNOWN not in value


def _json_list(value: Any) -> list[Any]:
    if isinstance(value, str):
        if UNKNOWN in value:
            return []
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return [value]
    return list(value or [])


def _policy(resource: PlannedResource, key: str, source: str) -> Policy:
    text = resource.inputs.get(key)
    if text is None:
        return Policy({"Version": VERSION, "Statement": []}, source)
    return _policy_of(text if isinstance(text, str | Mapping) else json.dumps(text), source)


class _Index:
    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.by_urn = {r.urn: r for r in plan.resources}
        self.by_type: dict[str, list[PlannedResource]] = {}
        for r in plan.resources:
            self.by_type.setdefault(r.type, []).append(r)

    def of(self, type_: str) -> list[PlannedResource]:
        return self.by_type.get(type_, [])

    def target(
        self, resource: PlannedResource, prop: str, type_: str, match: Iterable[str] = ()
    ) -> PlannedResource | None:
        """The ``type_`` resource that ``resource``'s property ``prop`` refers to: by recorded dependency, else by
        value against the candidate's ``match`` inputs/outputs."""
        for urn in resource.property_dependencies.get(prop, []):
            found = self.by_urn.get(urn)
            if found is not None and found.type == type_:
                return found
        value = resource.inputs.get(prop)
        if not _known(value):
            return None
        for candidate in self.of(type_):
            for attr in match:
                if value in (candidate.inputs.get(attr), candidate.outputs.get(attr)) or value == candidate.id:
                    return candidate
        return None


def _provider(found: PlannedResource) -> Provider:
    accounts = _json_list(found.inputs.get("allowedAccountIds"))
    assume = _json_list(found.inputs.get("assumeRoles"))
    first = assume[0] if assume and isinstance(assume[0], Mapping) else {}
    return Provider(
        urn=found.urn,
        account=str(accounts[0]) if accounts else "",
        region=str(found.inputs.get("region") or ""),
        role_arn=str(first.get("roleArn") or ""),
        session_name=str(first.get("sessionName") or ""),
    )


def _arn(resource: PlannedResource, fallback: str) -> str:
    arn = resource.outputs.get("arn")
    return str(arn) if _known(arn) else fallback


def collect(plan: Plan) -> StackPolicies:
    """Every role with its trust, identity and boundary policies, and every resource with its resource policies."""
    index = _Index(plan)
    found = StackPolicies(plan.stack)
    for r in plan.resources:
        if r.type == PROVIDER_PREFIX + "aws":
            found.providers[r.urn] = _provider(r)

    def where(resource: PlannedResource) -> tuple[str, str]:
        provider = found.providers.get(resource.provider_urn)
        return (provider.account, provider.region) if provider else ("", "")

    managed = {
        _arn(p, f"arn:aws:iam::{where(p)[0]}:policy{p.inputs.get('path') or '/'}{p.inputs.get('name', p.name)}"): p
        for p in index.of(MANAGED_POLICY)
    }

    def managed_policy(arn: Any, attachment: PlannedResource) -> Policy:
        if not _known(arn):
            return _policy_of(UNKNOWN, f"policy attached by {attachment.name} (unknown at preview)")
        if ":aws:policy/" in arn:
            return aws_managed(arn)
        declared = managed.get(arn)
        if declared is None:
            return _policy_of(UNKNOWN, f"policy {arn} attached by {attachment.name} (not declared in {plan.stack})")
        return _policy(declared, "policy", f"managed policy {declared.name}")

    inline: dict[str, list[Policy]] = {}
    for rp in index.of(ROLE_POLICY):
        role = index.target(rp, "role", ROLE, ("name",))
        if role is not None:
            inline.setdefault(role.urn, []).append(_policy(rp, "policy", f"inline policy {rp.name}"))
    for attachment in index.of(ATTACHMENT):
        role = index.target(attachment, "role", ROLE, ("name",))
        if role is not None:
            inline.setdefault(role.urn, []).append(managed_policy(attachment.inputs.get("policyArn"), attachment))
    for r in index.of(ROLE):
        account, _ = where(r)
        name = str(r.inputs.get("name") or r.name)
        boundary_arn = r.inputs.get("permissionsBoundary")
        boundary = None if boundary_arn is None else (managed_policy(boundary_arn, r),)
        found.roles[name] = Role(
            urn=r.urn,
            name=name,
            arn=f"arn:aws:iam::{account}:role{r.inputs.get('path') or '/'}{name}",
            account=account,
            trust=_policy(r, "assumeRolePolicy", f"trust policy of {r.name}"),
            identity=tuple(inline.get(r.urn, [])),
            boundary=boundary,
        )

    bucket_policies: dict[str, list[Policy]] = {}
    for bp in index.of(BUCKET_POLICY):
        bucket = index.target(bp, "bucket", BUCKET, ("bucket",))
        if bucket is not None:
            bucket_policies.setdefault(bucket.urn, []).append(_policy(bp, "policy", f"bucket policy {bp.name}"))
    for r in index.of(BUCKET):
        account, region = where(r)
        name = str(r.inputs.get("bucket") or r.name)
        found.buckets[name] = Governed(
            r.urn, name, f"arn:aws:s3:::{name}", account, region, tuple(bucket_policies.get(r.urn, []))
        )

    for r in index.of(KEY):
        account, region = where(r)
        source = f"key policy of {r.name}"
        policy = (
            _policy(r, "policy", source)
            if r.inputs.get("policy") is not None
            else default_key_policy(account, f"default key policy of {r.name} (no policy input)")
        )
        fallback = f"arn:aws:kms:{region}:{account}:key/{UNKNOWN}"
        found.keys[r.urn] = Governed(r.urn, r.name, _arn(r, fallback), account, region, (policy,))
    for alias in index.of(ALIAS):
        key = index.target(alias, "targetKeyId", KEY, ("keyId", "arn"))
        if key is not None:
            found.key_aliases[str(alias.inputs.get("name"))] = key.urn
    for sse in index.of(ENCRYPTION):
        bucket = index.target(sse, "bucket", BUCKET, ("bucket",))
        key = index.target(sse, "rules", KEY, ())
        if key is None:
            wanted = _dig_key(sse.inputs.get("rules"))
            key = next((k for k in index.of(KEY) if wanted and k.outputs.get("arn") == wanted), None)
        if bucket is not None and key is not None:
            found.bucket_keys[str(bucket.inputs.get("bucket") or bucket.name)] = key.urn

    for tp in index.of(TOPIC_POLICY):
        account, region = where(tp)
        topic = index.target(tp, "arn", "aws:sns/topic:Topic", ("arn",))
        urn = topic.urn if topic is not None else tp.urn
        arn = str(tp.inputs.get("arn") or "")
        found.topics[urn] = Governed(
            urn, tp.name, arn, account, region, (_policy(tp, "policy", f"topic policy {tp.name}"),)
        )

    vault_policies: dict[str, list[Policy]] = {}
    for vp in index.of(VAULT_POLICY):
        vault = index.target(vp, "backupVaultName", VAULT, ("name",)) or index.target(
            vp, "backupVaultName", AIR_GAPPED_VAULT, ("name",)
        )
        if vault is not None:
            vault_policies.setdefault(vault.urn, []).append(_policy(vp, "policy", f"vault policy {vp.name}"))
    for urn, policy in _ram_shares(index):
        vault_policies.setdefault(urn, []).append(policy)
    for r in [*index.of(VAULT), *index.of(AIR_GAPPED_VAULT)]:
        account, region = where(r)
        name = str(r.inputs.get("name") or r.name)
        fallback = f"arn:aws:backup:{region}:{account}:backup-vault:{name}"
        found.vaults[name] = Governed(
            r.urn, name, _arn(r, fallback), account, region, tuple(vault_policies.get(r.urn, []))
        )

    bus_policies: dict[str, list[Policy]] = {}
    for bp in index.of(EVENT_BUS_POLICY):
        bus = index.target(bp, "eventBusName", EVENT_BUS, ("name",))
        if bus is not None:
            bus_policies.setdefault(bus.urn, []).append(_policy(bp, "policy", f"event bus policy {bp.name}"))
    for r in index.of(EVENT_BUS):
        account, region = where(r)
        name = str(r.inputs.get("name") or r.name)
        fallback = f"arn:aws:events:{region}:{account}:event-bus/{name}"
        found.buses[name] = Governed(
            r.urn, name, _arn(r, fallback), account, region, tuple(bus_policies.get(r.urn, []))
        )

    permissions: dict[str, list[dict[str, Any]]] = {}
    for p in index.of(PERMISSION):
        function = index.target(p, "function", FUNCTION, ("name", "arn"))
        if function is not None:
            permissions.setdefault(function.urn, []).append(_permission_statement(p))
    for r in index.of(FUNCTION):
        account, region = where(r)
        name = str(r.inputs.get("name") or r.name)
        fallback = f"arn:aws:lambda:{region}:{account}:function:{name}"
        document = {"Version": VERSION, "Statement": permissions.get(r.urn, [])}
        found.functions[name] = Governed(
            r.urn, name, _arn(r, fallback), account, region, (Policy(document, f"Lambda permissions of {r.name}"),)
        )
    for target in index.of(EVENT_TARGET):
        rule = index.target(target, "rule", EVENT_RULE, ("name",))
        function = index.target(target, "arn", FUNCTION, ("arn",))
        if rule is not None and function is not None:
            account, region = where(rule)
            name = str(rule.inputs.get("name") or rule.name)
            arn = _arn(rule, f"arn:aws:events:{region}:{account}:rule/{name}")
            found.triggers.append(Trigger("events.amazonaws.com", arn, str(function.inputs.get("name"))))
    for subscription in index.of(SUBSCRIPTION):
        function = index.target(subscription, "endpoint", FUNCTION, ("arn",))
        if subscription.inputs.get("protocol") == "lambda" and function is not None:
            topic_arn = str(subscription.inputs.get("topic") or UNKNOWN)
            found.triggers.append(Trigger("sns.amazonaws.com", topic_arn, str(function.inputs.get("name"))))
    return found


def _ram_shares(index: _Index) -> Iterable[tuple[str, Policy]]:
    """(URN of a shared air-gapped vault, the share as the resource policy it amounts to): each account a share's
    principal association names may call :data:`RAM_BACKUP_VAULT_ACTIONS` on the vault associated with it, as a
    resource policy naming that account would let it."""
    for association in index.of(RAM_RESOURCE):
        share = index.target(association, "resourceShareArn", RAM_SHARE, ("arn",))
        vault = index.target(association, "resourceArn", AIR_GAPPED_VAULT, ("arn",))
        if share is None or vault is None:
            continue
        for principal in index.of(RAM_PRINCIPAL):
            account = str(principal.inputs.get("principal") or "")
            if index.target(principal, "resourceShareArn", RAM_SHARE, ("arn",)) is not share or not account.isdigit():
                continue
            statement = {
                "Sid": "RamShare",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                "Action": list(RAM_BACKUP_VAULT_ACTIONS),
                "Resource": "*",
            }
            source = (
                f"RAM share {share.name} to account {account} (modelled: the actions AWS Backup documents for a "
                "shared logically air-gapped vault)"
            )
            yield vault.urn, Policy({"Version": VERSION, "Statement": [statement]}, source)


def _dig_key(rules: Any) -> str | None:
    for rule in rules or []:
        if isinstance(rule, Mapping):
            key = (rule.get("applyServerSideEncryptionByDefault") or {}).get("kmsMasterKeyId")
            if _known(key):
                return key
    return None


def _permission_statement(permission: PlannedResource) -> dict[str, Any]:
    """``aws.lambda_.Permission`` as the statement Lambda adds to the function's resource policy."""
    principal = str(permission.inputs.get("principal") or UNKNOWN)
    is_service = principal.endswith(".amazonaws.com") or UNKNOWN in principal
    statement: dict[str, Any] = {
        "Sid": permission.name,
        "Effect": "Allow",
        "Principal": {"Service": principal} if is_service else {"AWS": principal},
        "Action": permission.inputs.get("action") or "lambda:InvokeFunction",
        "Resource": "*",
    }
    condition: dict[str, Any] = {}
    if permission.inputs.get("sourceArn") is not None:
        condition["ArnLike"] = {"AWS:SourceArn": permission.inputs["sourceArn"]}
    if permission.inputs.get("sourceAccount") is not None:
        condition["StringEquals"] = {"AWS:SourceAccount": permission.inputs["sourceAccount"]}
    if condition:
        statement["Condition"] = condition
    return statement
