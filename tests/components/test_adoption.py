"""Issue 13, item 4, adopting existing buckets: an ``adoptBuckets`` entry makes prod import the existing bucket (no
replacement, retained on delete), keep its existing key, and show before ``up`` every setting it will write on it.

Planned with the real program under the harness's mocks (no AWS)."""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache

import pytest

from failsafe.settings import stackfiles
from failsafe.settings.config import ConfigError, load_mapping
from failsafe.tooling import adoption, gate, harness, policyconfig
from failsafe.tooling.access import proofs
from failsafe.tooling.cli import PlanError, plan_stack, stack_config
from failsafe_components.errors import ComponentArgsError
from failsafe_components.replicated_bucket import ReplicatedBucketArgs
from tests.support.plans import ROOT, cached_plan, config_of

CFG = config_of("prod")
LOGICAL, LEGACY = "assets", "legacy-assets"
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
KEY = f"arn:aws:kms:{CFG.primary_region}:{CFG.accounts.prod}:key/{KEY_ID}"
ENTRY = f"{LOGICAL}={LEGACY}@{KEY}"
OVERRIDES = {"failsafe:adoptBuckets": [ENTRY]}
BUCKET, KMS_KEY = "aws:s3/bucket:Bucket", "aws:kms/key:Key"


@cache
def adopted_plan() -> harness.Plan:
    return plan_stack("prod", OVERRIDES)


def of_component(plan: harness.Plan, component: str) -> list[harness.PlannedResource]:
    return [r for r in plan.resources if r.parent.endswith(f"::{component}") or r.name == component]


def adopted_bucket(plan: harness.Plan) -> harness.PlannedResource:
    (bucket,) = [r for r in plan.by_type(BUCKET) if r.inputs.get("bucket") == LEGACY]
    return bucket


def test_the_adopted_bucket_is_imported_by_its_existing_name_and_retained_on_delete() -> None:
    bucket = adopted_bucket(adopted_plan())
    assert bucket.import_id == LEGACY, f"{bucket.urn}: import id {bucket.import_id!r}, expected {LEGACY!r}"
    assert bucket.retain_on_delete, f"{bucket.urn}: removing the adoption would delete a bucket failsafe did not create"
    assert bucket.protect, f"{bucket.urn}: an adopted bucket is protected like every prod bucket"
    assert "objectLockEnabled" not in bucket.inputs, f"{bucket.urn}: an import must not declare Object Lock"


def test_only_the_adopted_bucket_is_imported() -> None:
    imported = [r.urn for r in adopted_plan().resources if r.import_id]
    assert imported == [adopted_bucket(adopted_plan()).urn], imported
    assert not [r.urn for r in cached_plan("prod").resources if r.import_id], "the plain prod plan imports something"


def test_the_existing_key_is_kept_and_no_key_is_created_for_the_adopted_bucket() -> None:
    plan = adopted_plan()
    created = [r.urn for r in of_component(plan, LOGICAL) if r.type == KMS_KEY]
    assert created == [], f"a key is created for the adopted bucket: {created}"
    (encryption,) = [r for r in of_component(plan, LOGICAL) if r.name == f"{LOGICAL}-encryption"]
    rule = encryption.inputs["rules"][0]["applyServerSideEncryptionByDefault"]
    assert rule["kmsMasterKeyId"] == KEY, f"{encryption.urn}: encrypts with {rule['kmsMasterKeyId']}, not {KEY}"


def test_the_replication_role_may_decrypt_with_the_existing_key() -> None:
    (policy,) = [r for r in adopted_plan().resources if r.name == f"{LOGICAL}-replication-policy"]
    statements = json.loads(policy.inputs["policy"])["Statement"]
    decrypt = [s for s in statements if "kms:Decrypt" in s["Action"] and KEY in s["Resource"]]
    assert decrypt, f"{policy.urn}: no kms:Decrypt on the adopted key {KEY}: {statements}"


def test_adoption_replaces_nothing_every_other_urn_and_type_is_unchanged() -> None:
    before = {r.urn: r.type for r in cached_plan("prod").resources}
    after = {r.urn: r.type for r in adopted_plan().resources}
    key_urns = {r.urn for r in of_component(cached_plan("prod"), LOGICAL) if r.type == KMS_KEY}
    assert set(after) == set(before) - key_urns, sorted(set(after) ^ (set(before) - key_urns))
    changed = {urn: (before[urn], after[urn]) for urn in after if before[urn] != after[urn]}
    assert changed == {}, f"resources that changed type (a replacement): {changed}"


def test_the_plan_lists_every_setting_it_will_write_on_the_adopted_bucket() -> None:
    (found,) = adoption.adoptions(adopted_plan())
    assert (found["bucket"], found["importId"]) == (LEGACY, LEGACY), found
    text = adoption.render([found])
    assert text.startswith(f"adopting s3://{LEGACY} (import, no replacement): will set"), text
    for says in (
        "versioning Enabled",
        f"SSE-KMS with {KEY}",
        "public access block: all four on",
        "BucketOwnerEnforced",
        "bucket policy REPLACES any existing policy",
        "lifecycle REPLACES existing rules",
        f"to arn:aws:s3:::{CFG.replica_bucket_name(LOGICAL)}",
    ):
        assert says in text, f"the adoption block does not say {says!r}:\n{text}"


def test_plan_prints_the_adoption_block_and_puts_it_in_json() -> None:
    command = [sys.executable, "-m", "failsafe", "plan", "prod", "--set", f"adoptBuckets=[{ENTRY}]"]
    text = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=True).stdout
    assert f"adopting s3://{LEGACY} (import, no replacement): will set" in text, text[-2000:]
    done = subprocess.run([*command, "--json"], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True)
    (found,) = json.loads(done.stdout)["adoptions"]
    assert found["bucket"] == LEGACY and len(found["changes"]) == 7, found


def test_check_still_passes_with_an_adopted_bucket() -> None:
    raw, cfg = stack_config("prod", OVERRIDES)
    plan = adopted_plan()
    violations, _ = gate.analyze_plan(plan, policyconfig.generate(cfg), raw_config=raw)
    mandatory = [v for v in violations if v["enforcementLevel"] == "mandatory"]
    assert mandatory == [], mandatory
    outcomes = proofs.prove(cfg, {"prod": plan, "dr": plan_stack("dr", OVERRIDES)})
    open_paths = [o.sentence() for o in outcomes if o.status != proofs.PROVEN]
    assert open_paths == [], open_paths
    decrypt = [o for o in outcomes if o.entry.id == "replication-decrypts-source" and o.resource == KEY]
    assert decrypt and "ASSUMED" in decrypt[0].reason, "the proof must say it assumes the adopted key's policy"


# --- bad entries -----------------------------------------------------------------------------------------------------

OTHER_REGION = CFG.dr_region
OTHER_ACCOUNT = CFG.accounts.backup


@pytest.mark.parametrize(
    ("entry", "says"),
    [
        (f"{LOGICAL}=@{KEY}", "'' is not an S3 bucket name"),
        (f"{LOGICAL}={LEGACY}", "'<protected bucket>=<existing bucket name>@"),
        (f"{LOGICAL}={LEGACY}@{KEY.replace(CFG.primary_region, OTHER_REGION)}", f"region {OTHER_REGION}"),
        (f"{LOGICAL}={LEGACY}@{KEY.replace(CFG.accounts.prod, OTHER_ACCOUNT)}", f"account {OTHER_ACCOUNT}"),
        (f"{LOGICAL}={LEGACY}@arn:aws:kms:{CFG.primary_region}:{CFG.accounts.prod}:alias/x", "is not a KMS key ARN"),
        (f"nosuch={LEGACY}@{KEY}", "a bucket of protectedBuckets"),
        (f"{LOGICAL}={CFG.replica_bucket_name(LOGICAL)}@{KEY}", "another source, replica or archive bucket"),
        (f"{LOGICAL}={CFG.source_bucket_name('uploads')}@{KEY}", "another source, replica or archive bucket"),
    ],
)
def test_a_bad_adoption_is_a_one_line_config_error_naming_the_key(entry: str, says: str) -> None:
    with pytest.raises(PlanError) as caught:
        plan_stack("prod", {"failsafe:adoptBuckets": [entry]})
    message = str(caught.value)
    assert "failsafe:adoptBuckets" in message and says in message and entry in message, message
    assert "\n" not in message, message


def test_two_adoptions_of_one_bucket_are_refused() -> None:
    other = f"uploads={LEGACY}@{KEY}"
    with pytest.raises(PlanError, match="each existing bucket adopted once"):
        plan_stack("prod", {"failsafe:adoptBuckets": [ENTRY, other]})


def test_an_adopted_bucket_may_not_also_be_renamed_by_source_bucket_names() -> None:
    values = stackfiles.unnamespaced(stackfiles.raw_config("prod"))
    values["adoptBuckets"] = json.dumps([ENTRY])
    values["sourceBucketNames"] = json.dumps([f"{LOGICAL}=example-assets-rebuilt-0001"])
    with pytest.raises(ConfigError, match=r"adoptBuckets.*sourceBucketNames"):
        load_mapping("prod", values)


def test_a_bad_adoption_exits_2_with_one_line() -> None:
    bad = f"{LOGICAL}={LEGACY}@{KEY.replace(CFG.primary_region, OTHER_REGION)}"
    command = [sys.executable, "-m", "failsafe", "plan", "prod", "--set", f"adoptBuckets=[{bad}]"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "failsafe:adoptBuckets" in lines[0] and "Traceback" not in done.stderr, done.stderr
    assert done.stdout == ""


def test_an_adopted_bucket_without_its_key_is_refused_by_the_component() -> None:
    args = ReplicatedBucketArgs(
        bucket_name=LEGACY,
        destination_bucket_arn="arn:aws:s3:::replica",
        destination_account_id=CFG.accounts.backup,
        replica_kms_key_arn=KEY,
        replication_role_name="role",
        source_account_id=CFG.accounts.prod,
        adopt=True,
    )
    with pytest.raises(ComponentArgsError, match="kms_key_arn"):
        args.validate()
