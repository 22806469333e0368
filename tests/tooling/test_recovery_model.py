"""The recovery model covers every store the plans protect and every disruption, each cell a number (or an explicit
"at least" with the term that has no bound) or "not protected" with the reason, and each term says where it was read
and which published page its figure comes from. Checked for the example estate, a fixture estate made by overrides,
and someone else's program (examples/replicated-bucket), where a change in code moves the cell."""

from __future__ import annotations

import re

import pytest

from failsafe.tooling.recovery import disruptions, estate, model
from failsafe.tooling.recovery.model import Model
from failsafe.tooling.recovery.stores.base import Status
from failsafe.tooling.recovery.terms import Basis
from tests.support.recovery import EXAMPLES, example_estate, example_model, example_program, what_if

FIXTURE = {
    "protectedBuckets": ["assets", "uploads", "media"],
    "replicationTimeControl": "false",
    "replicationStorageClass": "GLACIER",
    "backupCopyToBackupAccount": "false",
    "snapshotEventForwarding": "false",
    "rpoMinutes": "360",
    "dnsAccountId": "555555555555",
    "recoveryTargets": [],
}


@pytest.fixture(scope="module")
def fixture_model() -> Model:
    return model.build(what_if(dr_too=True, **FIXTURE))


def complete(m: Model) -> list[str]:
    """Every way a cell of ``m`` could be incomplete; empty when every cell is whole."""
    problems = []
    for store in m.stores:
        assert set(store.cells) == {d.id for d in disruptions.all_disruptions()}, store.id
        for d, cell in store.cells.items():
            where = f"{store.id} / {d}"
            if not cell.reason:
                problems.append(f"{where}: no reason")
            if cell.status is Status.PROTECTED:
                if cell.holds_data and not cell.rpo_terms:
                    problems.append(f"{where}: protected without RPO terms")
                if not cell.steps:
                    problems.append(f"{where}: protected without a recovery path")
                for bound in (cell.rpo, cell.rto):
                    if (
                        bound is not None
                        and not bound.bounded
                        and not all(t.basis in (Basis.NONE_PROMISED, Basis.UNKNOWN) for t in bound.open)
                    ):
                        problems.append(f"{where}: an open bound without its unbounded term")
                for term in (*cell.rpo_terms, *(t for s in cell.steps for t in s.terms)):
                    if term.basis in (Basis.DOCUMENTED, Basis.NONE_PROMISED) and not term.docs:
                        problems.append(f"{where}: {term.key} is {term.basis} but cites no page")
                    if term.basis is Basis.SETTING and not term.reads:
                        problems.append(f"{where}: {term.key} is a setting read from nowhere")
                    if term.basis is Basis.CONFIGURED and not any(r.where.startswith("config:") for r in term.reads):
                        problems.append(f"{where}: {term.key} is configured but names no config entry")
    return problems


def test_every_cell_of_the_example_estate_has_a_figure_or_says_not_protected_with_its_terms() -> None:
    m = example_model()
    kinds = {s.kind for s in m.stores}
    assert kinds == {"bucket", "backup", "snapshots", "parameters", "traffic", "state-archive", "captures"}, kinds
    assert {s.id for s in m.stores} >= {
        "s3:assets",
        "s3:uploads",
        "backup:RDS",
        "snapshots",
        "parameters",
        "dns:app.example.com",
    }
    assert complete(m) == []


def test_every_cell_of_a_fixture_estate_is_complete_and_follows_its_own_settings(fixture_model: Model) -> None:
    """The fixture changes what the example estate has: a third bucket, no RTC, GLACIER replicas, no Backup copies,
    no snapshot events, a separate DNS account."""
    m = fixture_model
    assert complete(m) == []
    assert m.cell("s3:media", "region-loss").rpo_text() == "none promised"
    rto = m.cell("s3:media", "region-loss").rto
    assert rto is not None and "s3.archive-retrieval" in [t.key for t in rto.open], rto
    backup = m.cell("backup:RDS", "region-loss")
    assert backup.status is Status.NOT_PROTECTED and "no copy action" in backup.reason, backup.reason
    assert m.cell("dns:app.example.com", "prod-account-lost").status is Status.PROTECTED
    assert m.cell("dns:app.example.com", "prod-account-lost").reason.startswith("the zone is in account 555555555555")


def test_the_zone_in_the_prod_account_is_not_protected_when_prod_is_lost() -> None:
    cell = example_model().cell("dns:app.example.com", "prod-account-lost")
    assert cell.status is Status.NOT_PROTECTED and "prod account 111111111111" in cell.reason, cell.reason


def test_each_term_names_the_urn_and_property_path_it_was_read_from() -> None:
    m = example_model()
    (lag,) = [t for t in m.cell("s3:uploads", "region-loss").rpo_terms if t.key == "s3.replication-time"]
    paths = {(r.stack, r.where.rsplit("::", 1)[-1], r.path) for r in lag.reads}
    assert ("prod", "uploads-replication-config", "rules.0.destination.replicationTime.status") in paths, paths
    assert all(r.where.startswith("urn:pulumi:prod::failsafe::") for r in lag.reads)
    assert {d.url for d in lag.docs} == {
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-time-control.html",
        "https://aws.amazon.com/s3/sla-rtc/",
    }
    interval = next(t for t in m.cell("backup:RDS", "az-loss").rpo_terms if t.key == "backup.interval")
    (read,) = interval.reads
    assert read.path == "rules.0.schedule" and read.value == "cron(0 * * * ? *)" and interval.minutes == 60


def test_every_cited_page_is_https_with_a_section() -> None:
    docs = {
        d
        for s in example_model().stores
        for c in s.cells.values()
        for t in (*c.rpo_terms, *(t for st in c.steps for t in st.terms))
        for d in t.docs
    }
    assert docs, "no term cites a page"
    for doc in docs:
        assert re.fullmatch(r"https://[\w.-]+/\S+", doc.url) and doc.section and doc.says, doc


def test_a_store_with_nothing_for_a_disruption_says_not_protected_and_why() -> None:
    cell = example_model().cell("parameters", "ransomware")
    assert cell.status is Status.NOT_PROTECTED and cell.rpo is None and cell.rto is None
    assert "overwrites its copy" in cell.reason and "failsafe/ops/params.py" in cell.reason, cell.reason


def test_a_disruption_registered_later_gets_an_explicit_cell_from_every_kind() -> None:
    extra = disruptions.Disruption("air-gap-test", "test disruption", "test", "nothing, a test")
    disruptions.register(extra)
    try:
        m = model.build(example_estate())
        for store in m.stores:
            cell = store.cell("air-gap-test")
            assert cell.status is Status.NOT_PROTECTED and "does not model test disruption yet" in cell.reason
    finally:
        disruptions.unregister("air-gap-test")
    assert "air-gap-test" not in {d.id for d in disruptions.all_disruptions()}


def test_someone_elses_program_is_modelled_from_its_own_plan_and_a_code_change_moves_the_cell() -> None:
    """examples/replicated-bucket leaves RTC off (the component's default); the same program with RTC turned on in
    its code gives the bucket S3's 15-minute figure. Nothing but the plan differs."""
    source = (EXAMPLES / "replicated-bucket" / "__main__.py").read_text(encoding="utf-8")
    rtc_on = source.replace(
        "        source_account_id=source_account,\n    ),",
        "        source_account_id=source_account,\n        time_control=True,\n        metrics=True,\n    ),",
    )
    assert rtc_on != source, "the example no longer has the line this test changes"
    before = model.build(estate.from_plans({"dev": example_program("replicated-bucket")}, {"dev": "prod"}))
    after = model.build(estate.from_plans({"dev": example_program("replicated-bucket", rtc_on)}, {"dev": "prod"}))
    assert [s.id for s in before.stores] == ["s3:orders"]
    assert complete(before) == [] and complete(after) == []
    assert before.cell("s3:orders", "region-loss").rpo_text() == "none promised"
    assert after.cell("s3:orders", "region-loss").rpo_text() == "15 min"
    changed = [
        (d.id, before.cell("s3:orders", d.id).rpo_text(), after.cell("s3:orders", d.id).rpo_text())
        for d in before.disruptions
        if before.cell("s3:orders", d.id).rpo_text() != after.cell("s3:orders", d.id).rpo_text()
    ]
    assert {d for d, *_ in changed} == {
        "region-loss",
        "prod-account-lost",
        "prod-account-compromised",
        "ransomware",
        "accidental-delete",
    }, changed
    assert all(a == "none promised" and b == "15 min" for _, a, b in changed), changed
