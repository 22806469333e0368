"""``python -m failsafe``: the credential-free plan, the policy gate and the stack-file generators.

    python -m failsafe plan prod            # what prod would declare, as a table
    python -m failsafe plan prod --json     # every resource: type, name, URN, parent, provider, inputs, deps, options
                                            # (and, with adoptBuckets, what the next `up` writes on each adopted bucket)
    python -m failsafe check prod           # plan + the policy pack over the analyzer protocol + the access proofs
                                            # (docs/access-proofs.md); non-zero on violations or failing paths
    python -m failsafe check --all          # dr, org, prod, every member and a preview: dr planned once, one pack
                                            # (two, and a planning process, for 8 members or more); one line per
                                            # stack, the quotas spanning stacks, a total
    python -m failsafe members write        # Pulumi.prod-<name>.yaml for every entry of dr's members registry
    python -m failsafe members matrix       # the deploy workflow's member matrix (batches of 256), from config
    python -m failsafe policy-config prod   # the pack's config for this stack, generated from its config
    python -m failsafe preview-config 42 --branch feature/x --commit 0123abc   # writes Pulumi.pr-42.yaml
    python -m failsafe recovery prod        # worst-case RPO and RTO per store and disruption (docs/recovery.md)

No Pulumi CLI and no AWS credentials are needed: the real program runs under Pulumi's mock runtime with the
stack's real config files (see failsafe/tooling/harness.py). Exit codes: 0 fine, 1 policy violations or access paths
that do not hold, 2 bad config or bad arguments.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from failsafe.settings import stackfiles, yaml12
from failsafe.tooling import adoption, harness
from failsafe.tooling.planning import PlanError, plan_stack, stack_config

__all__ = ["EXIT_OK", "EXIT_USAGE", "EXIT_VIOLATIONS", "PlanError", "main", "parser", "plan_stack", "stack_config"]

EXIT_OK, EXIT_VIOLATIONS, EXIT_USAGE = 0, 1, 2


# --- rendering ----------------------------------------------------------------------------------------

KEY_PROPERTIES: dict[str, tuple[str, ...]] = {
    "pulumi:providers:aws": ("region", "allowedAccountIds"),
    "pulumi:pulumi:StackReference": ("name",),
    "aws:s3/bucket:Bucket": ("bucket", "objectLockEnabled"),
    "aws:s3/bucketVersioning:BucketVersioning": ("versioningConfiguration.status",),
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig": (
        "rules.0.deleteMarkerReplication.status",
        "rules.0.destination.storageClass",
    ),
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration": (
        "rule.defaultRetention.mode",
        "rule.defaultRetention.days",
    ),
    "aws:iam/role:Role": ("name", "maxSessionDuration"),
    "aws:kms/key:Key": ("enableKeyRotation", "deletionWindowInDays"),
    "aws:backup/vault:Vault": ("name",),
    "aws:backup/vaultLockConfiguration:VaultLockConfiguration": (
        "minRetentionDays",
        "maxRetentionDays",
        "changeableForDays",
    ),
    "aws:lambda/function:Function": ("name", "packageType", "imageUri", "architectures"),
    "aws:lambda/functionUrl:FunctionUrl": ("authorizationType", "invokeMode"),
    "aws:route53/record:Record": ("name", "type", "setIdentifier", "failoverRoutingPolicies.0.type"),
    "aws:route53/healthCheck:HealthCheck": ("type", "fqdn", "requestInterval", "failureThreshold"),
    "aws:cloudwatch/metricAlarm:MetricAlarm": ("metricName", "threshold"),
}


def _dig(value: Any, path: str) -> Any:
    for part in path.split("."):
        if isinstance(value, str) and value[:1] in "[{":
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                return None
        if isinstance(value, list):
            value = value[int(part)] if part.isdigit() and int(part) < len(value) else None
        elif isinstance(value, dict):
            value = value.get(part)
        else:
            return None
    return value


GENERIC_LEAVES = frozenset({"status", "type", "mode", "days"})


def property_label(path: str) -> str:
    """The name a property is shown under: its last segment, with the segment above when the last alone says nothing
    (``rules.0.deleteMarkerReplication.status`` is ``deleteMarkerReplication.status``, not a replication status)."""
    parts = [p for p in path.split(".") if not p.isdigit()]
    if len(parts) > 1 and parts[-1] in GENERIC_LEAVES:
        return ".".join(parts[-2:])
    return parts[-1]


def _short(urn: str) -> str:
    return urn.rsplit("::", 1)[-1] if urn else ""


def render_table(plan: harness.Plan) -> str:
    by_urn = {r.urn: r for r in plan.resources}
    rows = [("TYPE", "NAME", "PARENT", "PROVIDER", "FLAGS", "KEY PROPERTIES")]

    def tree_path(r: harness.PlannedResource) -> tuple[bool, tuple[str, ...]]:
        path: list[str] = []
        node: harness.PlannedResource | None = r
        while node is not None:
            path.insert(0, node.name)
            node = by_urn.get(node.parent)
        return (not r.type.startswith(harness.PROVIDER_PREFIX), tuple(path))

    for r in sorted(plan.resources, key=tree_path):
        parent = by_urn.get(r.parent)
        provider = _short(r.provider_urn)
        flags = ",".join(
            f for f, on in (("protect", r.protect), ("retain", r.retain_on_delete), ("import", r.import_id)) if on
        )
        props = []
        for path in KEY_PROPERTIES.get(r.type, ()):
            value = _dig(r.inputs, path)
            if value not in (None, "", []):
                text = json.dumps(value) if not isinstance(value, str) else value
                props.append(f"{property_label(path)}={text if len(text) <= 60 else text[:57] + '...'}")
        rows.append((r.type, r.name, parent.name if parent else "", provider, flags, " ".join(props)))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:5])) + "  " + row[5] for row in rows]
    footer = f"\n{len(plan.resources)} resources in stack {plan.stack}"
    if plan.outputs:
        footer += "\noutputs:\n" + "\n".join(
            f"  {key} = {json.dumps(value, sort_keys=True)}" for key, value in sorted(plan.outputs.items())
        )
    return "\n".join(line.rstrip() for line in lines) + footer


# --- commands -----------------------------------------------------------------------------------------


def parse_sets(pairs: Sequence[str]) -> dict[str, Any]:
    """``--set key=value`` -> namespaced overrides; strings as `pulumi config set` stores them, lists as YAML."""
    overrides: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise PlanError(f"--set {pair!r}: expected KEY=VALUE, e.g. --set drRegion=eu-central-1")
        full = key if ":" in key else f"failsafe:{key}"
        overrides[full] = yaml.safe_load(value) if value.startswith("[") else value
    return overrides


def cmd_plan(args: argparse.Namespace) -> int:
    plan = plan_stack(args.stack, parse_sets(args.set))
    found = adoption.adoptions(plan)  # adoptBuckets: what the next `up` writes on each imported bucket
    if args.json:
        document = plan.to_dict()
        if found:
            document["adoptions"] = found
        text = json.dumps(document, indent=2, sort_keys=True, default=str)
    else:
        text = render_table(plan) + (f"\n\n{adoption.render(found)}" if found else "")
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from failsafe.tooling import gate  # the analyzer client; imported here so `plan` never starts gRPC

    if args.all:
        if args.stack or args.sarif:
            print(
                "check --all: expected no stack and no --sarif (it checks every stack of the estate)", file=sys.stderr
            )
            return EXIT_USAGE
        from failsafe.tooling import estate_check

        return estate_check.main(args.json)
    if not args.stack:
        print("check: expected a stack (prod, dr, org, prod-<member>, pr-<n>) or --all", file=sys.stderr)
        return EXIT_USAGE
    if args.sarif:  # the same findings, also as SARIF 2.1.0 for GitHub code scanning
        return gate.check_with_sarif(args.stack, json_output=args.json, path=args.sarif)
    return gate.check(args.stack, json_output=args.json)


def cmd_members(args: argparse.Namespace) -> int:
    from failsafe.tooling import members

    if args.members_command == "write":
        for path in members.write(stackfiles.ROOT, Path(args.dir), args.update):
            print(f"wrote {path}")
        return EXIT_OK
    if args.members_command == "matrix":
        cfg, _ = members.registry(stackfiles.ROOT, require_members=False)
        values = members.matrix(cfg)
        if args.github_output is not None:
            with args.github_output.open("a", encoding="utf-8") as out:
                out.write(members.github_output(values))
        print(json.dumps(values, indent=2))
        return EXIT_OK
    if args.members_command == "summary":
        needs, counts = members.needs_from_environment()
        table, ok = members.summary(needs, counts)
        print(table)
        return EXIT_OK if ok else EXIT_VIOLATIONS
    raise AssertionError(f"members {args.members_command}: argparse admits only write, matrix and summary")


def cmd_scp(args: argparse.Namespace) -> int:
    from failsafe.tooling import scp

    _, cfg = stack_config(args.stack)
    print(json.dumps(scp.render(cfg), indent=2))
    return EXIT_OK


def cmd_policy_config(args: argparse.Namespace) -> int:
    from failsafe.tooling import policyconfig

    # Planned, not only read: the program refuses a policyExemptions entry naming no resource it declares
    # (failsafe/program/registered.py), and the pack config must not carry an exemption that exempts nothing.
    plan_stack(args.stack)
    _, cfg = stack_config(args.stack)
    text = json.dumps(policyconfig.generate(cfg), indent=2, sort_keys=True)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    return EXIT_OK


def cmd_preview_config(args: argparse.Namespace) -> int:
    if args.pr_number < 1:
        raise PlanError(f"pr-number {args.pr_number}: expected a pull request number, 1 or more")
    try:
        document = stackfiles.render_preview(args.pr_number, args.branch, args.commit)
    except stackfiles.StackFileError as error:
        raise PlanError(str(error)) from None
    stack = f"pr-{args.pr_number}"
    # Validate before writing, so a bad branch or commit never leaves a half-made stack file behind.
    stack_config(stack, overrides=dict(document["config"]))
    target = Path(args.dir) / f"Pulumi.{stack}.yaml"
    header = (
        f"# Generated by `python -m failsafe preview-config {args.pr_number}` from {stackfiles.TEMPLATE}.\n"
        "# Do not edit: regenerate instead.\n"
    )
    target.write_text(header + yaml12.dump(document), encoding="utf-8")  # strings read back as strings
    print(target)
    return EXIT_OK


def cmd_recovery(args: argparse.Namespace) -> int:
    from failsafe.tooling.recovery import command

    return command.run(args, parse_sets(args.set))


def cmd_init(args: argparse.Namespace) -> int:
    from failsafe.tooling import newestate

    return newestate.run(args)


def cmd_upgrade(args: argparse.Namespace) -> int:
    from failsafe.tooling import upgrade

    return upgrade.run(args)


def cmd_stacks(args: argparse.Namespace) -> int:
    """The stacks ``check`` should see for this estate: its stack files, and a preview stack when previews are on
    (``previewAccountId`` set in prod), so ./dev.sh check and CI check what the estate has, not the example's."""
    from failsafe.tooling import estate_check  # what `check --all` checks, in the same (deploy) order

    print("\n".join(s.name for s in estate_check.stacks_of(stackfiles.ROOT)))
    return EXIT_OK


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m failsafe", description=__doc__.split("\n\n")[0])
    sub = top.add_subparsers(dest="command", required=True)
    plan = sub.add_parser("plan", help="print what a stack would declare (mock runtime, no credentials)")
    plan.add_argument("stack", help="prod, dr or pr-<number>")
    plan.add_argument("--json", action="store_true", help="machine-readable document of every resource")
    plan.add_argument("--out", help="write to this file instead of stdout")
    plan.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config value for this plan only (what-if), e.g. --set dnsTtl=30",
    )
    plan.set_defaults(func=cmd_plan)
    check = sub.add_parser("check", help="plan, then run the policy pack and the access proofs over the plan")
    check.add_argument("stack", nargs="?", default="")
    check.add_argument(
        "--all", action="store_true", help="every stack of the estate: dr, org, prod, members, a preview"
    )
    check.add_argument("--json", action="store_true")
    check.add_argument("--sarif", metavar="FILE", type=Path, help="also write the findings as SARIF 2.1.0")
    check.set_defaults(func=cmd_check)
    policy = sub.add_parser("policy-config", help="generate the policy pack's config for a stack")
    policy.add_argument("stack")
    policy.add_argument("--out")
    policy.set_defaults(func=cmd_policy_config)
    scp = sub.add_parser("scp", help="print the SCP the backup account needs from its organization")
    scp.add_argument("stack", nargs="?", default="dr")
    scp.set_defaults(func=cmd_scp)
    members = sub.add_parser("members", help="the fleet's member stacks, from dr's members registry")
    members_sub = members.add_subparsers(dest="members_command", required=True)
    write = members_sub.add_parser("write", help="write Pulumi.prod-<name>.yaml for each registry entry")
    write.add_argument("--update", action="store_true", help="also set the workload keys of existing member files")
    write.add_argument("--dir", default=str(stackfiles.ROOT), help="where to write the stack files")
    matrix = members_sub.add_parser("matrix", help="the deploy workflow's member matrix, in batches of 256")
    matrix.add_argument("--github-output", type=Path, default=None, help="append name=value lines to this file")
    members_sub.add_parser("summary", help="the deploy's summary table from NEEDS and COUNTS; exit 1 on a failure")
    members.set_defaults(func=cmd_members)
    preview = sub.add_parser("preview-config", help="write Pulumi.pr-<n>.yaml from the template")
    preview.add_argument("pr_number", type=int)
    preview.add_argument("--branch", default="")
    preview.add_argument("--commit", default="")
    preview.add_argument("--dir", default=str(stackfiles.ROOT), help="where to write the stack file")
    preview.set_defaults(func=cmd_preview_config)
    init = sub.add_parser("init", help="start an estate: ask for its accounts, regions, buckets; write and check it")
    from failsafe.tooling import newestate

    newestate.arguments(init)
    init.set_defaults(func=cmd_init)
    upgrade_cmd = sub.add_parser("upgrade", help="move an estate of the 0.2 layout (values in Pulumi.yaml) to today's")
    from failsafe.tooling import upgrade

    upgrade.arguments(upgrade_cmd)
    upgrade_cmd.set_defaults(func=cmd_upgrade)
    stacks = sub.add_parser("stacks", help="list the stacks of this estate that check should see")
    stacks.set_defaults(func=cmd_stacks)
    from failsafe.tooling.recovery import command as recovery_command  # its arguments live with the command

    recovery = sub.add_parser("recovery", help="worst-case RPO and RTO per store and disruption, from the plans")
    recovery_command.arguments(recovery)
    recovery.set_defaults(func=cmd_recovery)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except PlanError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
