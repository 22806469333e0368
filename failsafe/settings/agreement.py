"""What one stack must agree on with another, and component errors said in config terms.

- :func:`dr_disagreement`: prod reads dr's outputs (a StackReference); dr built them from the same shared keys
  without reading prod. When the two disagree (dr deployed before a shared key changed, a dr stack of another
  estate), prod would replicate into buckets that do not exist or trust roles dr never named. Prod compares dr's
  exports with its own config and refuses the first disagreement, naming the key.
  When prod's failover secondary is dr's ``drEndpoint`` output, the pair is checked here by the same rule as a
  ``dnsSecondaryTarget`` (failsafe.settings.dns.failover_pair_problem), so the refusal names dr's key as dr wrote it.
- :func:`config_message`: a component refuses bad arguments in its own terms (``DnsFailoverArgs.rto_budget_seconds``);
  a person edits config keys (``dnsRtoSeconds``). :data:`ARG_KEYS` maps each argument fed by config to its key, once,
  and the value is shown as the person wrote it for that key, not as the component holds it (a ``DnsTarget(...)``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from failsafe.settings.dns import failover_pair_problem, target_text
from failsafe.settings.errors import NAMESPACE, ConfigError, as_written, file_to_edit
from failsafe.settings.model import DnsTarget, StackConfig
from failsafe_components.spec import air_gapped_vault_arn

# (args class, argument) -> the config key that feeds it (read off failsafe/program/wiring.py).
ARG_KEYS: dict[tuple[str, str], str] = {
    ("BackupAccountArgs", "name_prefix"): "namePrefix",
    ("BackupAccountArgs", "backup_account_id"): "backupAccountId",
    ("BackupAccountArgs", "prod_account_id"): "prodAccountId",
    ("BackupAccountArgs", "identity_account_id"): "identityAccountId",
    ("BackupAccountArgs", "replica_buckets"): "protectedBuckets",
    ("BackupAccountArgs", "replication_role_arns"): "replicationRoleName",
    ("BackupAccountArgs", "archive_bucket_name"): "bucketNamePrefix",
    ("BackupAccountArgs", "deploy_role_arns"): "deployRoleName",
    ("BackupAccountArgs", "object_lock_mode"): "objectLockMode",
    ("BackupAccountArgs", "object_lock_days"): "objectLockRetentionDays",
    ("BackupAccountArgs", "vault_min_retention_days"): "vaultMinRetentionDays",
    ("BackupAccountArgs", "vault_max_retention_days"): "vaultMaxRetentionDays",
    ("BackupAccountArgs", "vault_changeable_for_days"): "vaultLockChangeableForDays",
    ("BackupAccountArgs", "noncurrent_transition_days"): "noncurrentTransitionDays",
    ("BackupAccountArgs", "noncurrent_expiration_days"): "noncurrentExpirationDays",
    ("BackupAccountArgs", "abort_incomplete_upload_days"): "abortIncompleteUploadDays",
    ("BackupAccountArgs", "archive_retention_days"): "archiveRetentionDays",
    ("BackupAccountArgs", "mfa_max_age_seconds"): "mfaMaxAgeSeconds",
    ("BackupAccountArgs", "session_seconds"): "humanSessionSeconds",
    ("RecoveryFunctionsArgs", "name_prefix"): "namePrefix",
    ("RecoveryFunctionsArgs", "backup_account_id"): "backupAccountId",
    ("RecoveryFunctionsArgs", "prod_account_id"): "prodAccountId",
    ("RecoveryFunctionsArgs", "region"): "drRegion",
    ("RecoveryFunctionsArgs", "snapshot_retention_days"): "snapshotRetentionDays",
    ("RecoveryFunctionsArgs", "parameter_path"): "copyParameterPath",
    ("RecoveryFunctionsArgs", "secret_prefix"): "copySecretPrefix",
    ("RecoveryFunctionsArgs", "source_region"): "primaryRegion",
    ("ProdReadAccessArgs", "name_prefix"): "namePrefix",
    ("ProdReadAccessArgs", "backup_account_id"): "backupAccountId",
    ("ProdReadAccessArgs", "prod_account_id"): "prodAccountId",
    ("ProdReadAccessArgs", "region"): "primaryRegion",
    ("ProdReadAccessArgs", "parameter_path"): "copyParameterPath",
    ("ProdReadAccessArgs", "secret_prefix"): "copySecretPrefix",
    ("ReplicatedBucketArgs", "bucket_name"): "bucketNamePrefix",
    ("ReplicatedBucketArgs", "destination_account_id"): "backupAccountId",
    ("ReplicatedBucketArgs", "replication_role_name"): "replicationRoleName",
    ("ReplicatedBucketArgs", "source_account_id"): "prodAccountId",
    ("ReplicatedBucketArgs", "noncurrent_transition_days"): "noncurrentTransitionDays",
    ("ReplicatedBucketArgs", "noncurrent_expiration_days"): "noncurrentExpirationDays",
    ("ReplicatedBucketArgs", "abort_incomplete_upload_days"): "abortIncompleteUploadDays",
    ("ReplicatedBucketArgs", "storage_class"): "replicationStorageClass",
    ("ReplicatedBucketArgs", "time_control"): "replicationTimeControl",
    ("ReplicatedBucketArgs", "metrics"): "replicationMetrics",
    ("CiAccessArgs", "name_prefix"): "namePrefix",
    ("CiAccessArgs", "github_repository"): "githubRepository",
    ("CiAccessArgs", "deploy_role_name"): "deployRoleName",
    ("DnsFailoverArgs", "record_name"): "dnsRecordName",
    ("DnsFailoverArgs", "zone_id"): "dnsZoneId",
    ("DnsFailoverArgs", "zone_name"): "dnsZoneName",
    ("DnsFailoverArgs", "primary"): "dnsPrimaryTarget",
    ("DnsFailoverArgs", "secondary"): "dnsSecondaryTarget",
    ("DnsFailoverArgs", "rto_budget_seconds"): "dnsRtoSeconds",
    ("DnsFailoverArgs", "protocol"): "dnsHealthCheckProtocol",
    ("DnsFailoverArgs", "port"): "dnsHealthCheckPort",
    ("DnsFailoverArgs", "path"): "dnsHealthCheckPath",
    ("DnsFailoverArgs", "search_string"): "dnsHealthCheckSearchString",
    ("DnsFailoverArgs", "interval_seconds"): "dnsHealthCheckInterval",
    ("DnsFailoverArgs", "failure_threshold"): "dnsHealthCheckThreshold",
    ("DnsFailoverArgs", "regions"): "dnsHealthCheckRegions",
    ("DnsFailoverArgs", "secondary_health_check"): "dnsSecondaryHealthCheck",
    ("DnsFailoverArgs", "ttl_seconds"): "dnsTtl",
    ("DnsFailoverArgs", "alias_ipv6"): "dnsAliasIpv6",
    ("DnsFailoverArgs", "alarm_topic_arn"): "dnsAlarmTopicArn",
    ("DnsFailoverArgs", "alarm_subscriptions"): "dnsAlarmSubscription",
    ("DnsFailoverArgs", "name_prefix"): "namePrefix",
    ("PreviewFunctionArgs", "name_prefix"): "namePrefix",
    ("PreviewFunctionArgs", "pr_number"): "prNumber",
    ("PreviewFunctionArgs", "branch"): "previewBranch",
    ("PreviewFunctionArgs", "commit"): "previewCommit",
    ("PreviewFunctionArgs", "image_uri"): "previewImageUri",
    ("PreviewFunctionArgs", "architecture"): "previewArchitecture",
    ("PreviewFunctionArgs", "memory_mb"): "previewMemoryMb",
    ("PreviewFunctionArgs", "timeout_seconds"): "previewTimeoutSeconds",
    ("PreviewFunctionArgs", "reserved_concurrency"): "previewReservedConcurrency",
    ("PreviewFunctionArgs", "public_url"): "previewPublicUrl",
    ("PreviewFunctionArgs", "invoke_mode"): "previewInvokeMode",
    ("PreviewFunctionArgs", "log_retention_days"): "previewLogRetentionDays",
}

# components/failsafe_components/errors.py, bad_arg: "<ArgsClass>.<arg>=<value>: expected <what>" (or another reason)
_ARG_ERROR = re.compile(r"(?P<cls>[A-Z]\w*Args)\.(?P<arg>\w+)=(?P<value>.*?): (?P<rest>.*)", re.S)


def config_message(
    component_error: str, stack: str | None = None, written: Mapping[str, str | None] | None = None
) -> str:
    """A component's argument error said in config terms: the key instead of the argument (in the reason too, for
    every argument of that class fed by a key), the key's value as written (``written``: StackConfig.written) and the
    file to edit; the component's own name for it kept at the end. Unchanged when no config key feeds the
    argument."""
    match = _ARG_ERROR.search(component_error)
    if not match:
        return component_error
    cls = match["cls"]
    key = ARG_KEYS.get((cls, match["arg"]))
    if key is None:
        return component_error
    rest = match["rest"].strip().rstrip(".")
    for (owner, arg), other in sorted(ARG_KEYS.items(), key=lambda item: -len(item[0][1])):
        if owner == cls:
            rest = re.sub(rf"\b{arg}\b", other, rest)
    if not rest.startswith("expected "):
        rest = f"expected a value that works: {rest}"
    as_set = (written or {}).get(key)
    shown = as_written(as_set) if as_set is not None else match["value"]  # unset: the value came from elsewhere
    text = (
        f"invalid config {NAMESPACE}:{key} = {shown}: {rest}. "
        f"Fix it in {file_to_edit(key, stack)}. (component argument {cls}.{match['arg']})"
    )
    return " ".join(text.split())


# --- prod reads dr ------------------------------------------------------------------------------------------


def dr_disagreement(
    cfg: StackConfig, outputs: Mapping[str, Any], dr_written: Mapping[str, str | None] | None = None
) -> ConfigError | None:
    """The first way dr's exports (``outputs``: the dr stack's outputs, as a StackReference reads them) disagree with
    what prod's config says dr built; None when they agree. Values not known yet (None, non-strings) are skipped.
    ``dr_written``: dr's config as written (its StackConfig.written), when the caller has it, for the messages."""
    np = cfg.name_prefix
    backup, region = cfg.accounts.backup, cfg.dr_region

    def differs(key: str, value: object, exported: object, what: str) -> ConfigError | None:
        if not isinstance(exported, str) or exported == value:
            return None
        return ConfigError(
            key,
            cfg.written.get(key),  # the key as written; the name prod derives from it is in the reason
            f"the value dr was deployed with: with it prod expects '{value}' as dr's {what}, dr's is '{exported}' "
            f"(deploy dr again after changing a shared key, and check that drStackName {cfg.dr_stack_name} is this "
            "estate's dr stack)",
        )

    checks: list[tuple[str, object, object, str]] = [
        ("backupAccountId", backup, outputs.get("backupAccountId"), "backupAccountId output"),
        ("bucketNamePrefix", cfg.bucket_name_prefix, _strip(outputs.get("archiveBucketName"), cfg), "archive bucket"),
    ]
    replicas = outputs.get("replicaBuckets")
    if cfg.member is not None:  # a fleet member: its entry of dr's registry, not prod's replicas
        found = _member_disagreement(cfg, outputs)
        if found is not None:
            return found
        replicas = None
    if isinstance(replicas, Mapping):
        if set(replicas) != set(cfg.protected_buckets):
            return ConfigError(
                "protectedBuckets",
                cfg.written.get("protectedBuckets", list(cfg.protected_buckets)),
                f"the buckets dr built replicas for, {as_written(sorted(replicas))} (deploy dr again after "
                "changing it)",
            )
        for bucket, replica in replicas.items():
            name = replica.get("name") if isinstance(replica, Mapping) else None
            checks.append(("bucketNamePrefix", cfg.replica_bucket_name(bucket), name, f"replica bucket of {bucket}"))
    role_arns = outputs.get("replicationRoleArns")  # optional: dr may export the roles it trusts
    if isinstance(role_arns, Mapping) and cfg.member is None:
        for bucket, arn in role_arns.items():
            checks.append(
                ("replicationRoleName", cfg.replication_role_arn_for(bucket), arn, f"trusted role for {bucket}")
            )
    for output, role in (
        ("restoreRoleArn", "restore-operator"),
        ("auditorRoleArn", "auditor"),
        ("breakGlassRoleArn", "break-glass"),
    ):
        checks.append(("namePrefix", cfg.role_arn(backup, f"{np}-{role}"), outputs.get(output), output))
    for output in ("replicaKmsKeyArn", "backupVaultArn", "notificationsTopicArn"):
        arn = outputs.get(output)
        if isinstance(arn, str) and arn.count(":") >= 5:
            arn_region, arn_account = arn.split(":")[3:5]
            checks.append(("backupAccountId", backup, arn_account, f"{output} account"))
            checks.append(("drRegion", region, arn_region, f"{output} region"))
    checks.append(("namePrefix", f"{np}-vault", outputs.get("backupVaultName"), "backupVaultName"))
    for key, value, exported, what in checks:
        error = differs(key, value, exported, what)
        if error is not None:
            return error
    air_gapped = outputs.get("airGappedVaultArn")
    if cfg.air_gap.enabled and air_gapped != air_gapped_vault_arn(np, backup, region):
        exported = "nothing" if air_gapped is None else f"'{air_gapped}'"
        return ConfigError(
            "airGappedVault",
            cfg.written.get("airGappedVault", "true"),
            f"dr ({cfg.dr_stack_name}) to export airGappedVaultArn '{air_gapped_vault_arn(np, backup, region)}', the "
            f"vault prod copies into; it exports {exported}: deploy dr with airGappedVault first",
        )
    if cfg.dns is not None and cfg.dns.secondary is None and "drEndpoint" not in outputs:
        return ConfigError(
            "dnsSecondaryTarget",
            None,
            f"a failover target, or dr's drEndpoint output, which dr ({cfg.dr_stack_name}) does not export: set "
            "drEndpoint in the dr stack and deploy it first, or set dnsSecondaryTarget here",
        )
    return _dr_secondary_disagreement(cfg, outputs.get("drEndpoint"), (dr_written or {}).get("drEndpoint"))


def _member_disagreement(cfg: StackConfig, outputs: Mapping[str, Any]) -> ConfigError | None:
    """A member stack against its entry of dr's registry (the ``members`` output): the same account, region and
    protected buckets, and replicas named as this stack derives them. Unknown outputs are skipped."""
    member = cfg.member
    assert member is not None
    members = outputs.get("members")
    if members is None or not isinstance(members, Mapping):
        entries: Mapping[str, Any] = {}
    else:
        entries = members
    entry = entries.get(member.name)
    dr = cfg.dr_stack_name or "dr"
    if not isinstance(entry, Mapping):
        return ConfigError(
            "prodAccountId",
            cfg.written.get("prodAccountId"),
            f"a member of dr's registry: {dr} exports no member '{member.name}' (add it to members in Pulumi.dr.yaml "
            f"and deploy dr first; `python -m failsafe members write` writes this stack's file from that entry)",
        )
    for key, mine, theirs in (
        ("prodAccountId", member.account, entry.get("accountId")),
        ("primaryRegion", member.region, entry.get("region")),
    ):
        if isinstance(theirs, str) and theirs != mine:
            return ConfigError(
                key,
                cfg.written.get(key),
                f"the value of member '{member.name}' in dr's registry, '{theirs}' (Pulumi.dr.yaml, members)",
            )
    replicas = entry.get("replicaBuckets")
    if isinstance(replicas, Mapping):
        if set(replicas) != set(cfg.protected_buckets):
            return ConfigError(
                "protectedBuckets",
                cfg.written.get("protectedBuckets", list(cfg.protected_buckets)),
                f"the buckets of member '{member.name}' in dr's registry, {as_written(sorted(replicas))}",
            )
        for bucket, replica in replicas.items():
            name = replica.get("name") if isinstance(replica, Mapping) else None
            if isinstance(name, str) and name != cfg.replica_bucket_name(bucket):
                return ConfigError(
                    "bucketNamePrefix",
                    cfg.written.get("bucketNamePrefix"),
                    f"the value dr was deployed with: this member expects replica '{cfg.replica_bucket_name(bucket)}', "
                    f"dr's is '{name}'",
                )
    return None


def _dr_secondary_disagreement(cfg: StackConfig, exported: object, written: str | None) -> ConfigError | None:
    """dr's ``drEndpoint`` output as prod's failover secondary (only when ``dnsSecondaryTarget`` is empty), refused
    as a ``dnsSecondaryTarget`` would be. An export that is missing or malformed is DnsFailover's to refuse."""
    dns = cfg.dns
    if dns is None or dns.secondary is not None or not isinstance(exported, Mapping):
        return None
    kind, value, zone_id = exported.get("kind"), exported.get("value"), exported.get("zoneId")
    if kind not in ("alias", "cname", "ip") or not isinstance(value, str) or not value:
        return None
    secondary = DnsTarget(str(kind), value, zone_id if isinstance(zone_id, str) and zone_id else None)
    primary_text = cfg.written.get("dnsPrimaryTarget") or target_text(dns.primary)
    problem = failover_pair_problem(
        dns.record_name, dns.zone_name or "", dns.primary, primary_text, secondary, dns.alias_ipv6
    )
    if problem is None:
        return None
    dr_stack = (cfg.dr_stack_name or "dr").rsplit("/", 1)[-1]
    return ConfigError(
        "drEndpoint",
        written or target_text(secondary),  # as dr wrote it; the program, reading only dr's outputs, spells it out
        f"{problem} (dr's drEndpoint is {cfg.stack}'s failover secondary while dnsSecondaryTarget is empty: "
        f"change it in dr, or set dnsSecondaryTarget in Pulumi.{cfg.stack}.yaml)",
        stack=dr_stack,
    )


def _strip(archive: object, cfg: StackConfig) -> object:
    """The bucket-name prefix dr used for its archive bucket, for comparison with bucketNamePrefix."""
    suffix = f"-state-archive-{cfg.dr_region}"
    if isinstance(archive, str) and archive.endswith(suffix):
        return archive[: -len(suffix)]
    return archive


def check_dr_outputs(cfg: StackConfig, outputs: Mapping[str, Any]) -> None:
    """Raise :func:`dr_disagreement`'s error, if any."""
    error = dr_disagreement(cfg, outputs)
    if error is not None:
        raise error.in_stack(cfg.stack)
