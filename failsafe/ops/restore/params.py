"""``failsafe-dr restore params``: the params copier's SSM parameters and secrets, put back into a target account
and region. Only the copier's copies (its description and tag say so); what exists in the target is kept unless
``--overwrite``."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

from failsafe.ops import aws, fleet, options
from failsafe.ops import params as copier_params
from failsafe.ops.errors import EXIT_FAILED, EXIT_OK
from failsafe.ops.output import Report
from failsafe.ops.restore.common import (
    RESTORED_FROM_TAG,
    RestoreInputError,
    backup_session,
    denied,
    need,
    target_session,
)

SHAPE = {
    "executed": "false for a dry run",
    "restored": "[ssm:<name> | secret:<name>] written (or that a dry run would write)",
    "overwritten": "[...] of those, the ones that existed in the target",
    "kept": "[...] existing in the target and kept (no --overwrite)",
    "failed": "[{item, error}]",
}


@dataclass(frozen=True)
class ParamItem:
    kind: str  # "ssm" or "secret"
    name: str
    exists: bool
    detail: str = ""

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.name}"


def _parameters(ssm: Any, path: str) -> dict[str, dict[str, Any]]:
    filters = [{"Key": "Path", "Option": "Recursive", "Values": [path.rstrip("/") or "/"]}] if path != "/" else []
    found = aws.items(ssm, "describe_parameters", "Parameters", **({"ParameterFilters": filters} if filters else {}))
    return {p["Name"]: p for p in found}


def _secrets(sm: Any, prefix: str) -> dict[str, dict[str, Any]]:
    filters = {"Filters": [{"Key": "name", "Values": [prefix]}]} if prefix else {}
    found = aws.items(sm, "list_secrets", "SecretList", **filters)
    return {s["Name"]: s for s in found if s["Name"].startswith(prefix)}


def restore_params(
    backup_ssm: Any,
    backup_sm: Any,
    target_ssm: Any,
    target_sm: Any,
    *,
    path: str,
    secret_prefix: str,
    kms_key_id: str | None,
    overwrite: bool,
    execute: bool,
) -> tuple[list[ParamItem], list[ParamItem], list[dict[str, str]]]:
    """(planned/restored items, skipped items, failures). Only the copier's copies (its description / tag)."""
    done: list[ParamItem] = []
    skipped: list[ParamItem] = []
    failures: list[dict[str, str]] = []
    copies = {
        n: p for n, p in _parameters(backup_ssm, path).items() if copier_params.source_version(p.get("Description"))
    }
    present = set(_parameters(target_ssm, path)) if copies else set()
    names = sorted(copies)
    values: dict[str, dict[str, Any]] = {}
    if execute:
        for i in range(0, len(names), 10):
            chunk = names[i : i + 10]
            got = backup_ssm.get_parameters(Names=chunk, WithDecryption=True)
            values.update({p["Name"]: p for p in got.get("Parameters") or ()})
    for name in names:
        meta = copies[name]
        item = ParamItem("ssm", name, name in present, meta["Type"])
        if item.exists and not overwrite:
            skipped.append(item)
            continue
        if not execute:
            done.append(item)
            continue
        try:
            value = values[name]
            extra = {"KeyId": kms_key_id} if kms_key_id and meta["Type"] == "SecureString" else {}
            target_ssm.put_parameter(
                Name=name,
                Value=value["Value"],
                Type=meta["Type"],
                Overwrite=item.exists,
                Tier="Intelligent-Tiering",
                Description=f"restored by failsafe from the backup copy (source version "
                f"{copier_params.source_version(meta.get('Description'))})",
                **extra,
            )
            done.append(item)
        except Exception as exc:
            if denied(exc):
                raise
            failures.append({"item": item.label, "error": aws.describe(exc)})

    secrets = {
        n: s
        for n, s in _secrets(backup_sm, secret_prefix).items()
        if {t["Key"]: t["Value"] for t in s.get("Tags") or ()}.get(copier_params.COPIED_BY_TAG) == "failsafe"
    }
    existing = set(_secrets(target_sm, secret_prefix)) if secrets else set()
    for name in sorted(secrets):
        item = ParamItem("secret", name, name in existing)
        if item.exists and not overwrite:
            skipped.append(item)
            continue
        if not execute:
            done.append(item)
            continue
        try:
            value = backup_sm.get_secret_value(SecretId=name)
            payload = (
                {"SecretString": value["SecretString"]}
                if "SecretString" in value
                else {"SecretBinary": value["SecretBinary"]}
            )
            if item.exists:
                target_sm.put_secret_value(SecretId=name, **payload)
            else:
                target_sm.create_secret(
                    Name=name,
                    Description="restored by failsafe from the backup copy",
                    Tags=[{"Key": RESTORED_FROM_TAG, "Value": secrets[name]["ARN"]}],
                    **({"KmsKeyId": kms_key_id} if kms_key_id else {}),
                    **payload,
                )
            done.append(item)
        except Exception as exc:
            if denied(exc):
                raise
            failures.append({"item": item.label, "error": aws.describe(exc)})
    return done, skipped, failures


def cmd_params(args: argparse.Namespace) -> Report:
    path = args.path or "/"
    if not (path.startswith("/") and path.endswith("/")):
        raise RestoreInputError(f"--path {path!r}: expected a path that starts and ends with '/', such as /app/")
    need("--region", args.region, "the region of the copies (the backup region)")
    if not args.account:  # a member (--account) names its account and region in dr's registry
        need("--target-region", args.target_region, "the region to restore into")
        need("--target-profile", args.target_profile, "the profile of the account to restore into")
    if not args.account and args.region == args.target_region and args.backup_profile == args.target_profile:
        raise RestoreInputError(
            f"--target-region {args.target_region!r} with --target-profile {args.target_profile!r}: expected a target "
            "other than the backup account and region"
        )
    backup = backup_session(args)
    target = target_session(args, backup)
    done, skipped, failures = restore_params(
        aws.client(backup, "ssm"),
        aws.client(backup, "secretsmanager"),
        aws.client(target, "ssm"),
        aws.client(target, "secretsmanager"),
        path=path,
        secret_prefix=args.secret_prefix or "",
        kms_key_id=args.kms_key_id,
        overwrite=args.overwrite,
        execute=args.execute,
    )
    verb = "restored" if args.execute else "would restore"
    data = {
        "executed": bool(args.execute),
        "restored": [i.label for i in done],
        "overwritten": [i.label for i in done if i.exists],
        "kept": [i.label for i in skipped],
        "failed": failures,
    }
    lines = [f"  {verb:<14} {item.label}{' (overwrite)' if item.exists else ''}" for item in done]
    lines += [f"  {'exists, kept':<14} {item.label} (--overwrite to replace)" for item in skipped]
    lines += [f"  {'FAILED':<14} {f['item']}: {f['error']}" for f in failures]
    if not (done or skipped or failures):
        # Nothing to restore is not success: in an incident it means the copies are missing (or the --path, prefix
        # or region is wrong). Exit 1 (failsafe.ops.errors: "a check failed"), said in one line; docs/restore.md.
        lines.append(
            f"nothing to restore: no copies of the params copier under --path {path} or --secret-prefix "
            f"{args.secret_prefix or '(all)'!s} in {args.region}; expected the copies (is this the backup region?)"
        )
        return Report(data, lines, EXIT_FAILED)
    lines.append(
        f"{len(done)} {verb}, {len(skipped)} kept, {len(failures)} failed"
        + ("" if args.execute else "; dry run: nothing written, --execute to write")
    )
    return Report(data, lines, EXIT_FAILED if failures else EXIT_OK)


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p = options.command(
        sub,
        "params",
        help="put the copied SSM parameters and secrets into a target account/region",
        shape=SHAPE,
        roles=("backup", "target"),
        region="region of the copies (the backup region; required)",
    )
    p.add_argument("--target-region", help="region to restore into (required)")
    p.add_argument("--path", default="/", help="parameter path, e.g. /app/ (default: all copies)")
    p.add_argument("--secret-prefix", default="", help="secret name prefix, e.g. app/ (default: all copies)")
    p.add_argument("--kms-key-id", help="key for SecureStrings and secrets in the target (default: its AWS key)")
    p.add_argument("--overwrite", action="store_true", help="replace parameters/secrets that exist in the target")
    p.add_argument("--execute", action="store_true", help="write (default: print the plan only)")
    fleet.add_arguments(p, all_accounts=False)
    p.set_defaults(func=cmd_params)
    return p
