"""``python -m failsafe members``: the fleet's member stacks, made from dr's registry (a program cannot create
stacks, so their files are written here and deployed as stacks of their own).

    python -m failsafe members write [--update]     # Pulumi.prod-<name>.yaml for each entry of dr's members registry
    python -m failsafe members matrix [--github-output FILE]   # the CI deploy matrix (.github/workflows/deploy.yml)
    python -m failsafe members summary              # the deploy's summary job: one table, exit 1 if anything failed

The matrix is GitHub's own (``strategy.matrix`` from a job output: GitHub Actions, "Using a matrix for your jobs",
"Defining a matrix from the output of a job"); one job per member, at most 256 jobs per matrix ("A matrix can generate a
maximum of 256 jobs per workflow run"), so the members are split over :data:`BATCHES` matrix jobs of 256.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from failsafe.settings import estate
from failsafe.settings.config import StackConfig
from failsafe.settings.fleet import OU_PATH, Member, ou_id
from failsafe.tooling.planning import PlanError
from failsafe_components import names

TEMPLATE = "Pulumi.member.template.yaml"
MARK = "FILLED-BY-MEMBERS-WRITE"
WORKLOAD = ("prodAccountId", "primaryRegion", "protectedBuckets")
MATRIX_MAX_JOBS = 256  # GitHub Actions: a matrix generates at most 256 jobs per workflow run
BATCHES = 4  # matrix jobs in deploy.yml (members-1 ... members-4): up to 1,024 members


def _values(member: Member) -> dict[str, str]:
    """The workload keys of a member in YAML (every part validated by config: digits, a region, S3 name parts)."""
    return {
        "prodAccountId": f'"{member.account}"',
        "primaryRegion": member.region,
        "protectedBuckets": f"[{', '.join(member.buckets)}]",
    }


def render(member: Member, template: str) -> str:
    """The member's stack file from the template's text: the three marked values set, nothing else changed."""
    values = _values(member)
    lines = []
    for line in template.splitlines():
        match = re.match(r"^(\s*failsafe:(\w+):\s*)" + re.escape(MARK) + r"\s*$", line)
        if match and match.group(2) in values:
            line = match.group(1) + values.pop(match.group(2))
        lines.append(line)
    if values:
        raise PlanError(f"{TEMPLATE}: expected {', '.join(f'failsafe:{k}: {MARK}' for k in values)}")
    header = (
        f"# Workload account '{member.name}' of the fleet (its entry of the members registry in Pulumi.dr.yaml).\n"
        f"# Written by `python -m failsafe members write` from {TEMPLATE}.\n"
    )
    body = [line for line in lines if not line.startswith("#")]
    return header + "\n".join(body) + "\n"


def update(member: Member, text: str, file: str) -> str:
    """An existing member file with its workload keys set to the registry's values (one line each, as written)."""
    values = _values(member)
    out = []
    for line in text.splitlines():
        match = re.match(r"^(\s*failsafe:(\w+):\s*)(.*)$", line)
        if match and match.group(2) in values:
            if not match.group(3).strip():
                raise PlanError(
                    f"{file}: failsafe:{match.group(2)} is written over several lines; write it on one line so "
                    "`members write --update` can set it"
                )
            line = match.group(1) + values.pop(match.group(2))
        out.append(line)
    if values:  # a key the file does not set yet: under config:
        out += [f"  failsafe:{key}: {value}" for key, value in values.items()]
    return "\n".join(out) + "\n"


def registry(root: Path, require_members: bool = True) -> tuple[StackConfig, str]:
    """dr's config (its registry) and its stack name; an estate without members is refused unless
    ``require_members`` is false (the deploy matrix of such an estate is empty)."""
    from failsafe.tooling.estate_check import EstatePlanner

    try:
        dr = estate.one(estate.stacks(root), "dr")
    except estate.EstateError as error:
        raise PlanError(str(error)) from None
    if dr is None:
        raise PlanError("no stack has role dr: the members registry is dr's (Pulumi.dr.yaml, members)")
    cfg = EstatePlanner(root).config(dr.name)[1]
    if require_members and (cfg.fleet is None or not cfg.fleet.members):
        raise PlanError(f"{dr.file}: failsafe:members lists no member (README 'Many accounts')")
    return cfg, dr.name


def write(root: Path, out: Path, update_existing: bool) -> list[str]:
    """Write (or with ``update_existing`` bring in line) every member's stack file; the paths written."""
    cfg, _ = registry(root)
    assert cfg.fleet is not None
    template = (root / TEMPLATE).read_text(encoding="utf-8")
    written = []
    for member in cfg.fleet.members:
        path = out / f"Pulumi.{member.stack}.yaml"
        if path.exists():
            if not update_existing:
                continue
            text = update(member, path.read_text(encoding="utf-8"), path.name)
            if text == path.read_text(encoding="utf-8"):
                continue
        else:
            text = render(member, template)
        path.write_text(text, encoding="utf-8")
        written.append(str(path))
    return written


def from_ou(ou: str, buckets: Sequence[str], region: str, ou_path: str, client: Any) -> list[dict[str, Any]]:
    """Registry entries for the active accounts of OU ``ou`` (an ``organizations`` boto3 client, paged by botocore),
    named after each account (lowercased, other characters as hyphens, at most 20). The client is the caller's: the
    credential-free tooling imports no AWS SDK, so the command that reads an OU belongs to the operator tools."""
    entries = []
    for page in client.get_paginator("list_accounts_for_parent").paginate(ParentId=ou):
        for account in page["Accounts"]:
            if account.get("Status", "ACTIVE") != "ACTIVE":
                continue
            name = re.sub(r"[^a-z0-9]+", "-", account["Name"].lower()).strip("-")[:20].strip("-") or account["Id"]
            entries.append(
                {"name": name, "accountId": account["Id"], "region": region, "buckets": list(buckets), "ou": ou_path}
            )
    return entries


def matrix(cfg: StackConfig) -> dict[str, Any]:
    """The deploy matrix: for each member its stack and the CI entry role its own stack creates (CiAccess, deterministic
    name ``<namePrefix>-ci-prod``), split over :data:`BATCHES` matrix jobs of at most 256."""
    members = cfg.fleet.members if cfg.fleet else ()
    if len(members) > BATCHES * MATRIX_MAX_JOBS:
        raise PlanError(
            f"failsafe:members: {len(members):,} members; expected at most {BATCHES * MATRIX_MAX_JOBS:,}, what "
            f"deploy.yml deploys ({BATCHES} matrix jobs of {MATRIX_MAX_JOBS}): add a members-<n> job to deploy.yml "
            "and raise members.BATCHES"
        )
    role = names.fit(f"{cfg.name_prefix}-ci-prod", names.IAM_ROLE_NAME_MAX)
    entries = [
        {
            "stack": m.stack,
            "member": m.name,
            "account": m.account,
            "region": m.region,
            "role": cfg.role_arn(m.account, role),
        }
        for m in members
    ]
    batches: dict[str, Any] = {}
    for index in range(BATCHES):
        part = entries[index * MATRIX_MAX_JOBS : (index + 1) * MATRIX_MAX_JOBS]
        batches[f"batch{index + 1}"] = {"include": part}
        batches[f"count{index + 1}"] = len(part)
    return batches


def github_output(values: Mapping[str, Any]) -> str:
    """``name=value`` lines for ``$GITHUB_OUTPUT`` (GitHub Actions, "Setting an output parameter"); JSON on one line."""
    return "".join(f"{k}={json.dumps(v, separators=(',', ':'))}\n" for k, v in values.items())


def summary(needs: Mapping[str, Any], counts: Mapping[str, int]) -> tuple[str, bool]:
    """The deploy's summary (a Markdown table for ``$GITHUB_STEP_SUMMARY``) and whether every job that had work
    succeeded. ``needs``: the workflow's ``toJSON(needs)``; a member batch skipped because it was empty is fine."""
    rows = ["| job | result |", "|---|---|"]
    ok = True
    for job, info in sorted(needs.items()):
        result = str((info or {}).get("result", "unknown"))
        empty = job.startswith("members-") and counts.get(job.removeprefix("members-"), 0) == 0
        if result == "skipped" and empty:
            result = "skipped (no members in this batch)"
        elif result != "success":
            ok = False
        rows.append(f"| {job} | {result} |")
    rows.append("")
    rows.append("Every member deploys on its own: one failing does not stop the others (strategy.fail-fast: false).")
    return "\n".join(rows), ok


def ou_path_for(cfg: StackConfig, ou: str) -> str:
    """The protected OU path of ``ou`` from config (members must sit in a protected OU)."""
    org = cfg.fleet.organization if cfg.fleet else None
    for path in org.ou_paths if org else ():
        if ou_id(path) == ou:
            return path
    raise PlanError(f"--ou {ou}: expected an OU of organizationalUnits ({', '.join(org.ou_paths) if org else 'none'})")


def needs_from_environment() -> tuple[dict[str, Any], dict[str, int]]:
    """NEEDS (``toJSON(needs)``) and COUNTS (the matrix job's count outputs, as JSON) from the environment."""
    try:
        needs = json.loads(os.environ.get("NEEDS", "{}"))
        outputs = json.loads(os.environ.get("COUNTS", "{}"))
        counts = {k.removeprefix("count"): int(v) for k, v in outputs.items() if k.startswith("count")}
    except (ValueError, TypeError) as error:
        raise PlanError(
            f"NEEDS/COUNTS: expected the JSON of toJSON(needs) and of the matrix counts ({error})"
        ) from None
    return needs, counts


__all__ = ["OU_PATH", "from_ou", "github_output", "matrix", "render", "summary", "update", "write"]
