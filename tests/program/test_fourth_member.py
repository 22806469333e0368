"""Issue 24's "done when": a fourth member joins the example fleet. dr changes only by that member's replica buckets;
no existing dr or org document changes by a byte (trust by organization condition, not by listing accounts); the
proofs allow its replication, copy and event paths, and deny the same role names in an account outside the
organization and in an OU of the organization that is not protected."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from failsafe.tooling import harness, members
from failsafe.tooling.access import proofs
from failsafe.tooling.estate_check import EstatePlanner
from tests.support.plans import ROOT, cached_plan

FILES = (
    "Pulumi.yaml",
    "Pulumi.dr.yaml",
    "Pulumi.org.yaml",
    "Pulumi.prod.yaml",
    "Pulumi.pr.template.yaml",
    members.TEMPLATE,
    "Pulumi.prod-payments.yaml",
    "Pulumi.prod-checkout.yaml",
    "Pulumi.prod-analytics.yaml",
)
NEW_ACCOUNT = "777777777774"
NEW_MEMBER = f"""    - name: ledger
      accountId: "{NEW_ACCOUNT}"
      region: eu-west-1
      buckets: [journal]
      ou: o-exampleorg12/r-ex12/ou-ex12-payments1/
"""


class Fleet:
    def __init__(self, root: Path) -> None:
        self.planner = EstatePlanner(root)
        self.dr = self.planner.plan("dr")
        self.org = self.planner.plan("org")
        self.member = self.planner.plan("prod-ledger")


@pytest.fixture(scope="module")
def grown(tmp_path_factory: pytest.TempPathFactory) -> Fleet:
    root = tmp_path_factory.mktemp("fleet")
    for name in FILES:
        shutil.copy(ROOT / name, root / name)
    dr = (root / "Pulumi.dr.yaml").read_text(encoding="utf-8").rstrip("\n") + "\n" + NEW_MEMBER
    (root / "Pulumi.dr.yaml").write_text(dr, encoding="utf-8")
    assert [Path(p).name for p in members.write(root, root, update_existing=False)] == ["Pulumi.prod-ledger.yaml"]
    return Fleet(root)


DOCUMENTS = ("policy", "assumeRolePolicy", "content", "inlinePolicies", "accessPolicy", "rules", "eventPattern")


def _documents(plan: harness.Plan) -> dict[str, dict[str, Any]]:
    return {r.urn: {k: r.inputs[k] for k in DOCUMENTS if k in r.inputs} for r in plan.resources}


@pytest.mark.parametrize("stack", ["dr", "org"])
def test_every_existing_policy_document_of_dr_and_org_is_byte_identical(grown: Fleet, stack: str) -> None:
    before, after = _documents(cached_plan(stack)), _documents(getattr(grown, stack))
    missing = sorted(set(before) - set(after))
    assert not missing, f"{stack} lost {missing}"
    changed = [urn.rsplit("::", 1)[-1] for urn in before if before[urn] != after[urn]]
    assert not changed, f"{stack}: documents changed by adding a member: {changed}"
    assert sum(len(str(d)) for d in before.values()) > 1000, "the comparison saw the documents"


def test_dr_grows_only_by_the_new_members_replica_buckets_and_org_not_at_all(grown: Fleet) -> None:
    added = sorted(r.name for r in grown.dr.resources if r.urn not in {x.urn for x in cached_plan("dr").resources})
    assert added and all("ledger-journal" in name for name in added), added
    assert {r.urn for r in grown.org.resources} == {r.urn for r in cached_plan("org").resources}


def _about_new_member(outcome: proofs.Outcome) -> bool:
    return NEW_ACCOUNT in outcome.who or "ledger-journal" in outcome.resource


def test_the_new_members_replication_copy_and_event_paths_are_allowed_and_strangers_denied(grown: Fleet) -> None:
    dr_cfg = grown.planner.config("dr")[1]
    outcomes = proofs.prove(dr_cfg, {"dr": grown.dr, "org": grown.org})
    assert outcomes and all(o.status == proofs.PROVEN for o in outcomes), [
        o.sentence() for o in outcomes if o.status != proofs.PROVEN
    ]
    allowed = {o.entry.id for o in outcomes if o.entry.expect == "required" and _about_new_member(o)}
    assert {
        "member-replication-writes-its-replica",
        "member-replication-uses-replica-key",
        "member-backups-copy-into-the-vault",
        "member-forwards-snapshot-events",
    } <= allowed, allowed
    stranger = {o.entry.id for o in outcomes if o.entry.expect == "forbidden" and "ledger-journal" in o.resource}
    assert "outside-org-roles-of-the-same-names-cannot-write-replicas" in stranger, stranger
    other_ou = [o for o in outcomes if o.entry.id.startswith("other-ou-")]
    assert any("ledger-journal" in o.resource for o in other_ou), "the other OU is tried on the new replica too"
    assert other_ou and all(o.decision in ("deny", "implicit-deny") for o in other_ou), [o.sentence() for o in other_ou]
    outside = [o for o in outcomes if o.entry.id.startswith("outside-org-") and "ledger-journal" in o.resource]
    assert outside and all(o.decision in ("deny", "implicit-deny") for o in outside), [o.sentence() for o in outside]


def test_the_new_members_own_stack_proves_green_against_the_grown_dr(grown: Fleet) -> None:
    cfg = grown.planner.config("prod-ledger")[1]
    dr_cfg = grown.planner.config("dr")[1]
    outcomes = proofs.prove(cfg, {"prod": grown.member, "dr": grown.dr, "org": grown.org}, dr_cfg)
    assert outcomes and all(o.status == proofs.PROVEN for o in outcomes), [
        o.sentence() for o in outcomes if o.status != proofs.PROVEN
    ]
