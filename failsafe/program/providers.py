"""One explicit aws.Provider per account and region a stack touches.

Default providers are disabled in every stack file (``pulumi:disable-default-providers``), so a resource
without one of these providers fails instead of deploying with whatever credentials happen to be ambient.
Each provider assumes the deploy role named in config and is pinned with ``allowed_account_ids``, so a
mistyped role ARN or a stale profile can never deploy into the wrong account.

The prod stack never holds a provider for the backup account: the backup account pulls, production
never pushes into it. The org stack's one provider reaches the organization's admin account (the management account
or a delegated administrator) through its own least-privilege role (``orgDeployRoleName``, docs/organization.md);
Organizations is a global service, so its region is only where the provider's own calls go.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi_aws as aws

from failsafe.settings.config import Role, StackConfig


@dataclass(frozen=True)
class Providers:
    home: aws.Provider  # the stack's own account and region
    # the hosted zone's account in the Route 53 metrics region (prod with DNS): the account that owns the health
    # checks, where Route 53 publishes their metrics; the failover alarm, its key and topic live there
    metrics: aws.Provider | None = None
    dns: aws.Provider | None = None  # the hosted zone's account (prod with DNS)
    preview_ci: aws.Provider | None = None  # preview account, for its CI roles (prod with ciAccess)
    # the recovery account, in drRegion (dr with airGappedVault): its restore roles exist before the backup account is
    # lost, made by the same `pulumi up -s dr` that makes the share (docs/data-protection.md, "Who deploys the
    # recovery account's roles")
    recovery: aws.Provider | None = None


def base_tags(cfg: StackConfig) -> dict[str, str]:
    return {"failsafe:stack": cfg.stack, "failsafe:role": cfg.role.value, "managed-by": "pulumi"}


def _role_name(cfg: StackConfig) -> str:
    """The role this stack's providers assume: CI's read-only role on pull requests, else the org stack's own role,
    else the deploy role."""
    if cfg.provider_role_name:
        return cfg.provider_role_name
    org = cfg.fleet.organization if cfg.fleet else None
    if cfg.role is Role.ORG and org is not None:
        return org.deploy_role_name
    return cfg.deploy_role_name


def aws_provider(name: str, cfg: StackConfig, account_id: str, region: str) -> aws.Provider:
    """A provider that can only act in ``account_id``, through the configured deploy role."""
    return aws.Provider(
        name,
        region=region,
        allowed_account_ids=[account_id],
        assume_roles=[
            aws.ProviderAssumeRoleArgs(
                # CI's read-only role on pull requests, else the deploy role (docs/ci.md)
                role_arn=cfg.role_arn(account_id, _role_name(cfg)),
                session_name=f"failsafe-{cfg.stack}",
            )
        ],
        default_tags=aws.ProviderDefaultTagsArgs(tags=base_tags(cfg)),
    )


def provider_accounts(cfg: StackConfig) -> list[tuple[str, str]]:
    """(account, region) of every provider :func:`build` makes for this stack, home first. CI's entry role must be
    able to assume the deploy role of each, or previews and deploys of the stack fail at the first provider it
    cannot reach (access-proofs issue, finding 6)."""
    if cfg.role is Role.DR:
        recovery = [(cfg.air_gap.recovery_account, cfg.dr_region)] if cfg.air_gap.enabled else []
        return [(cfg.accounts.backup, cfg.dr_region), *recovery]
    if cfg.role is Role.PREVIEW:
        return [(cfg.accounts.preview, cfg.primary_region)]
    if cfg.role is Role.ORG:
        org = cfg.fleet.organization if cfg.fleet else None
        assert org is not None, "config.load refuses an org stack without an organization"
        return [(org.admin_account, cfg.dr_region)]
    found = [(cfg.accounts.prod, cfg.primary_region)]
    if cfg.dns is not None:
        found += [(cfg.accounts.dns, cfg.metrics_region), (cfg.accounts.dns, cfg.primary_region)]
    if cfg.ci.enabled and cfg.accounts.previews and cfg.member is None:  # the preview account's CI roles are prod's
        found.append((cfg.accounts.preview, cfg.primary_region))
    return found


def assumed_role_arns(cfg: StackConfig) -> list[str]:
    """The roles this stack's providers assume, one per account, in a stable order."""
    accounts = dict.fromkeys(account for account, _ in provider_accounts(cfg))
    role = _role_name(cfg) if cfg.role is Role.ORG else cfg.deploy_role_name
    return [cfg.role_arn(account, role) for account in accounts]


def build(cfg: StackConfig) -> Providers:
    if cfg.role is Role.DR:
        home = aws_provider("backup", cfg, cfg.accounts.backup, cfg.dr_region)
        if not cfg.air_gap.enabled:
            return Providers(home=home)
        return Providers(home=home, recovery=aws_provider("recovery", cfg, cfg.air_gap.recovery_account, cfg.dr_region))
    if cfg.role is Role.PREVIEW:
        return Providers(home=aws_provider("preview", cfg, cfg.accounts.preview, cfg.primary_region))
    if cfg.role is Role.ORG:
        ((account, region),) = provider_accounts(cfg)
        return Providers(home=aws_provider("org", cfg, account, region))
    home = aws_provider("prod", cfg, cfg.accounts.prod, cfg.primary_region)
    metrics = dns = preview_ci = None
    if cfg.dns is not None:
        # named prod-metrics since it first served prod's account; with dnsAccountId = prod nothing changes
        metrics = aws_provider("prod-metrics", cfg, cfg.accounts.dns, cfg.metrics_region)
        dns = aws_provider("dns", cfg, cfg.accounts.dns, cfg.primary_region)
    if cfg.ci.enabled and cfg.accounts.previews and cfg.member is None:
        preview_ci = aws_provider("preview-ci", cfg, cfg.accounts.preview, cfg.primary_region)
    return Providers(home=home, metrics=metrics, dns=dns, preview_ci=preview_ci)
