"""prod's read-only role carries the capture's Cloud Control read actions (issue: capture breadth, item 5).

Expected from the committed data file read here with json (failsafe/ops/data/capture_readonly_policy.json, generated
from cfn-lint's schemas): every document attached, none over IAM's 6,144 characters for a managed policy (IAM User
Guide, "IAM and AWS STS quotas"; IAM counts without whitespace), the role within the default 10 managed policies, and
no excluded (secret or data reading) action allowed."""

from __future__ import annotations

import json

from failsafe_components.ci_access import read_role_name
from tests.support.estates import REPO
from tests.support.plans import cached_plan, config_of

DATA = json.loads((REPO / "failsafe" / "ops" / "data" / "capture_readonly_policy.json").read_text(encoding="utf-8"))


def _actions(document: dict[str, object], effect: str) -> set[str]:
    found: set[str] = set()
    for statement in document["Statement"]:  # type: ignore[attr-defined]
        if statement["Effect"] == effect:
            actions = statement.get("Action", [])
            found.update([actions] if isinstance(actions, str) else actions)
    return found


def test_prods_read_role_has_every_capture_policy_attached_within_iams_limits() -> None:
    plan, cfg = cached_plan("prod"), config_of("prod")
    role = read_role_name(cfg.name_prefix)
    readers = [r for r in plan.resources if r.type == "aws:iam/role:Role" and r.inputs.get("name") == role]
    (reader,) = [r for r in readers if r.name == "ci-read"]  # prod's own (the preview account has one too: preview-ci)
    policies = [r for r in plan.resources if r.type == "aws:iam/policy:Policy" and "-read-capture-" in r.name]
    documents = [json.loads(p.inputs["policy"]) for p in sorted(policies, key=lambda p: int(p.name.rsplit("-", 1)[1]))]
    assert documents == DATA["policies"]
    for document in documents:
        assert len(json.dumps(document, separators=(",", ":"))) <= 6144
    attached = [
        r for r in plan.resources
        if r.type == "aws:iam/rolePolicyAttachment:RolePolicyAttachment" and r.parent == reader.parent
        and r.name.startswith(reader.name)
    ]  # fmt: skip
    assert len(attached) == len(documents) + 1 <= 10  # ViewOnlyAccess and the capture's
    allowed = set().union(*(_actions(d, "Allow") for d in documents))
    assert not allowed & set(DATA["excluded"]), sorted(allowed & set(DATA["excluded"]))[:5]
