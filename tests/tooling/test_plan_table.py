"""The plan table a person reads: each key property under a name that says what it is."""

from __future__ import annotations

from collections.abc import Callable

from failsafe.tooling import cli, harness


def test_the_replication_rules_delete_marker_status_is_labelled_as_such(
    plan_for: Callable[[str], harness.Plan],
) -> None:
    """``status=Disabled`` on a replication configuration read as "replication disabled"; it is the delete-marker
    replication status (S3 User Guide, "Replicating delete markers between buckets"), so it is shown by that name."""
    plan = plan_for("prod")
    table = cli.render_table(plan)
    rows = [line for line in table.splitlines() if line.startswith("aws:s3/bucketReplicationConfig:")]
    assert rows, "the prod plan has replication configurations"
    for row in rows:
        assert "deleteMarkerReplication.status=Disabled" in row, row
        assert " status=" not in row, row


def test_labels_keep_one_segment_unless_it_is_generic() -> None:
    assert cli.property_label("rules.0.destination.storageClass") == "storageClass"
    assert cli.property_label("versioningConfiguration.status") == "versioningConfiguration.status"
    assert cli.property_label("failoverRoutingPolicies.0.type") == "failoverRoutingPolicies.type"
    assert cli.property_label("type") == "type"
