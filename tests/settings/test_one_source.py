"""One estate across stacks: the team's values live in its stack files and two files that disagree are refused;
prod refuses a dr stack whose exports disagree with its config, the dr -> prod order is a graph without cycles, and
every config error says which file to edit."""

from __future__ import annotations

import copy
import shutil
import subprocess
import sys

import pytest

from failsafe.settings import agreement, stackfiles
from failsafe.settings.config import SHARED_KEYS, ConfigError, load_mapping
from failsafe.settings.errors import WORKLOAD_KEYS
from tests.support.plans import ROOT, cached_plan, config_of
from tests.support.projects import ProjectCopy

STACK_OF = {"Pulumi.prod.yaml": "prod", "Pulumi.dr.yaml": "dr", "Pulumi.pr.template.yaml": "pr-7"}


@pytest.mark.parametrize("stack_file", ["Pulumi.prod.yaml", "Pulumi.dr.yaml", "Pulumi.pr.template.yaml"])
@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("protectedBuckets", "[assets]"),
        ("backupAccountId", "'555555555555'"),
        ("drRegion", "eu-north-1"),
        ("replicationRoleName", "other-replication"),
        ("namePrefix", "other"),
        ("bucketNamePrefix", "other-prefix"),
    ],
)
def test_two_stack_files_that_disagree_on_a_shared_key_are_refused_naming_both(tmp_path, stack_file, key, value):
    """The team's values live in its stack files; a value dr and prod both read is written in both. One file changed
    alone (the drift a hand edit or `pulumi config set` makes) is refused, naming both files and the key."""
    project = ProjectCopy(tmp_path)
    line = project.set_config(stack_file, key, value)
    other = "Pulumi.dr.yaml" if stack_file != "Pulumi.dr.yaml" else "Pulumi.prod.yaml"
    with pytest.raises(ConfigError) as caught:
        stackfiles.raw_config(STACK_OF[stack_file], root=tmp_path)
    message = str(caught.value)
    assert f"{stack_file}:{line}" in message and f"failsafe:{key}" in message, message
    assert "the same value in every stack file" in message, message
    if stack_file != "Pulumi.pr.template.yaml":  # a preview agrees with prod; dr and prod with each other
        assert other in message, message


def test_prod_reading_dr_refuses_a_shared_key_changed_in_the_dr_file_only(tmp_path):
    """Planning prod reads dr's file too: the drift is caught from either side."""
    project = ProjectCopy(tmp_path)
    line = project.set_config("Pulumi.dr.yaml", "protectedBuckets", "[assets]")
    with pytest.raises(ConfigError) as caught:
        stackfiles.raw_config("prod", root=tmp_path)
    assert f"Pulumi.dr.yaml:{line}" in str(caught.value) and "failsafe:protectedBuckets" in str(caught.value)


def test_the_same_change_in_both_stack_files_is_one_estate(tmp_path):
    project = ProjectCopy(tmp_path)
    for name in ("Pulumi.prod.yaml", "Pulumi.dr.yaml"):
        project.set_config(name, "drRegion", "eu-north-1")
    assert stackfiles.raw_config("prod", root=tmp_path)["failsafe:drRegion"] == "eu-north-1"
    assert stackfiles.raw_config("dr", root=tmp_path)["failsafe:drRegion"] == "eu-north-1"


def test_a_preview_copies_the_estate_from_prods_stack_file(tmp_path):
    """The template holds only what is a preview's own; the estate comes from prod's file, so it cannot drift."""
    project = ProjectCopy(tmp_path)
    for name in ("Pulumi.prod.yaml", "Pulumi.dr.yaml"):
        project.set_config(name, "primaryRegion", "eu-west-3")
    assert stackfiles.raw_config("pr-7", root=tmp_path)["failsafe:primaryRegion"] == "eu-west-3"
    assert "primaryRegion" not in project.text("Pulumi.pr.template.yaml")


def test_a_what_if_override_of_a_shared_key_applies_to_every_stack():
    """`plan --set` is not a file: it changes the estate for this plan (dr and prod alike)."""
    raw = stackfiles.raw_config("dr", overrides={"failsafe:drRegion": "eu-north-1"})
    assert raw["failsafe:drRegion"] == "eu-north-1"


def test_the_preview_template_may_name_the_scoped_preview_deploy_role_only(tmp_path):
    assert stackfiles.raw_config("pr-7")["failsafe:deployRoleName"] == "failsafe-preview-deploy"
    values = stackfiles.unnamespaced(stackfiles.raw_config("pr-7"))
    values["deployRoleName"] = "failsafe-deploy"
    with pytest.raises(ConfigError, match="failsafe-preview-deploy, the scoped role prod's CiAccess creates"):
        load_mapping("pr-7", values)


ESTATE_KEYS = ("prodAccountId", "backupAccountId", "primaryRegion", "drRegion", "bucketNamePrefix", "githubRepository")


def test_the_products_pulumi_yaml_holds_no_estates_values():
    """Pulumi.yaml is the product's (an upgrade may rewrite it): the keys that describe an estate have no default
    there, so a team's accounts, regions and names live only in the stack files it owns."""
    declared = stackfiles.declarations()
    for key in (*ESTATE_KEYS, "protectedBuckets", "identityAccountId", "previewAccountId"):
        assert declared[key].default in ("", []), f"Pulumi.yaml gives {key} the default {declared[key].default!r}"


def test_readme_says_which_file_each_shared_key_belongs_in():
    section = (ROOT / "README.md").read_text().split("## Configuration reference", 1)[1].split("\n## ", 1)[0]
    missing = [k for k in sorted(SHARED_KEYS) if f"`{k}`" not in section.split("| key |", 1)[0]]
    assert not missing, f"README's configuration reference does not say these live in Pulumi.yaml: {missing}"


# --- the dr -> prod order --------------------------------------------------------------------------------------


def test_the_real_estate_deploys_dr_before_prod():
    assert stackfiles.stack_order("prod") == ["dr", "prod"]
    assert stackfiles.stack_order("dr") == ["dr"]
    assert stackfiles.stack_order("pr-42") == ["pr-42"]


@pytest.mark.parametrize(
    ("dr_stack_name", "expected"),
    [
        ("example-org/failsafe/prod", "prod -> prod is a cycle"),
        ("example-org/other-project/dr", "a stack of this project"),
        ("example-org/failsafe/pr-9", "a stack whose role is dr; 'pr-9' has role 'preview'"),
        ("example-org/failsafe/staging", "a stack that exists"),
        ("dr", "<org>/failsafe/<stack>"),
    ],
    ids=["reads-itself", "other-project", "not-a-dr-stack", "no-such-stack", "not-qualified"],
)
def test_a_drstackname_that_is_not_this_estates_dr_stack_is_refused(dr_stack_name, expected):
    with pytest.raises(ConfigError) as caught:
        stackfiles.stack_order("prod", overrides={"failsafe:drStackName": dr_stack_name})
    message = str(caught.value)
    assert "failsafe:drStackName" in message and expected in message, message
    assert "Fix it in Pulumi.prod.yaml" in message, message


def test_two_prod_stacks_reading_each_other_are_a_cycle(tmp_path):
    project = ProjectCopy(tmp_path)
    project.write("Pulumi.prod2.yaml", project.text("Pulumi.prod.yaml").replace("failsafe/dr", "failsafe/prod"))
    project.replace("Pulumi.prod.yaml", "example-org/failsafe/dr", "example-org/failsafe/prod2")
    with pytest.raises(ConfigError, match="prod -> prod2 -> prod is a cycle"):
        stackfiles.stack_order("prod", root=tmp_path)


def test_the_program_refuses_a_prod_stack_that_reads_itself():
    """The program reads config through pulumi.Config, not the stack files: load() refuses the self-read too."""
    values = {**stackfiles.unnamespaced(stackfiles.raw_config("prod")), "drStackName": "example-org/failsafe/prod"}
    with pytest.raises(ConfigError, match="a stack that reads itself is a cycle"):
        load_mapping("prod", values)


# --- prod checks what dr exports ---------------------------------------------------------------------------------


def dr_outputs() -> dict:
    return copy.deepcopy(cached_plan("dr").outputs)


def test_the_real_dr_exports_agree_with_prod():
    assert agreement.dr_disagreement(config_of("prod"), dr_outputs()) is None


def _breaks(outputs: dict, change: str) -> dict:
    if change == "account":
        outputs["backupAccountId"] = "999999999999"
    elif change == "bucket-set":
        outputs["replicaBuckets"].pop("uploads")
    elif change == "bucket-name":
        outputs["replicaBuckets"]["assets"]["name"] = "someone-else-assets-replica-eu-central-1"
    elif change == "role-prefix":
        outputs["restoreRoleArn"] = outputs["restoreRoleArn"].replace("failsafe-", "other-")
    elif change == "key-region":
        outputs["replicaKmsKeyArn"] = outputs["replicaKmsKeyArn"].replace("eu-central-1", "eu-north-1")
    elif change == "trusted-roles":
        outputs["replicationRoleArns"] = {"assets": "arn:aws:iam::111111111111:role/old-replication-assets"}
    return outputs


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ("account", "backupAccountId"),
        ("bucket-set", "protectedBuckets"),
        ("bucket-name", "bucketNamePrefix"),
        ("role-prefix", "namePrefix"),
        ("key-region", "drRegion"),
        ("trusted-roles", "replicationRoleName"),
    ],
)
def test_a_dr_export_that_disagrees_with_prod_config_is_refused_in_one_line(change, key):
    error = agreement.dr_disagreement(config_of("prod"), _breaks(dr_outputs(), change))
    assert isinstance(error, ConfigError), f"{change}: not refused"
    message = str(error)
    assert f"failsafe:{key}" in message and "\n" not in message, message
    with pytest.raises(ConfigError):
        agreement.check_dr_outputs(config_of("prod"), _breaks(dr_outputs(), change))


def test_unknown_dr_outputs_are_not_judged():
    outputs = {k: None for k in dr_outputs()}
    assert agreement.dr_disagreement(config_of("prod"), outputs) is None


# --- which file to edit --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stack", "key", "bad", "advice"),
    [
        ("prod", "drRegion", "eu-west-1", "Fix it in every stack file that reads it, alike"),
        ("dr", "vaultMaxRetentionDays", "1", "Fix it in Pulumi.dr.yaml"),
        ("pr-42", "previewMemoryMb", "64", "Fix it in Pulumi.pr.template.yaml, then regenerate"),
    ],
)
def test_config_errors_say_which_file_to_edit(stack, key, bad, advice):
    values = {**stackfiles.unnamespaced(stackfiles.raw_config(stack)), key: bad}
    with pytest.raises(ConfigError) as caught:
        load_mapping(stack, values)
    message = str(caught.value)
    assert advice in message and "pulumi config set" not in message, message


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("drStackName=example-org/failsafe/prod", "prod -> prod is a cycle"),
        ("ciAccess=yes", "declared type boolean"),
        ("protectedBuckets=[1]", "array<string>"),
        ("bucketNamePrefix=xn--estate", "reserved prefix"),
    ],
    ids=["self-read", "yaml-1.1-boolean", "array-items", "aws-name"],
)
def test_the_plan_command_refuses_with_one_line_and_exit_2(setting, expected):
    done = subprocess.run(
        [sys.executable, "-m", "failsafe", "plan", "prod", "--set", setting],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    assert "Traceback" not in done.stderr and done.stderr.strip().count("\n") == 0, done.stderr
    assert expected in done.stderr, done.stderr


def _fleet_copy(tmp_path):
    project = ProjectCopy(tmp_path)
    for name in ("Pulumi.org.yaml", "Pulumi.prod-payments.yaml", "Pulumi.prod-analytics.yaml"):
        shutil.copy(ROOT / name, tmp_path / name)
    return project


def test_a_member_stack_sets_its_own_workload_and_the_estates_shared_keys_alike(tmp_path):
    """A member (prod-<name>) protects its own workload: its account, region and buckets differ from dr's and from the
    other members' without a refusal (its entry of dr's registry is what it must match: check --all)."""
    _fleet_copy(tmp_path)
    payments = stackfiles.raw_config("prod-payments", root=tmp_path)
    analytics = stackfiles.raw_config("prod-analytics", root=tmp_path)
    dr = stackfiles.raw_config("dr", root=tmp_path)
    assert payments["failsafe:prodAccountId"] != dr["failsafe:prodAccountId"] != analytics["failsafe:prodAccountId"]
    estate_keys = sorted(SHARED_KEYS - WORKLOAD_KEYS)
    assert [payments[f"failsafe:{k}"] for k in estate_keys] == [dr[f"failsafe:{k}"] for k in estate_keys]


@pytest.mark.parametrize("stack_file", ["Pulumi.prod-payments.yaml", "Pulumi.org.yaml"])
def test_a_member_or_org_file_whose_estate_key_differs_from_drs_is_refused_naming_both(tmp_path, stack_file):
    project = _fleet_copy(tmp_path)
    line = project.set_config(stack_file, "backupAccountId", "'999999999999'")
    stack = stack_file.removeprefix("Pulumi.").removesuffix(".yaml")
    with pytest.raises(ConfigError) as caught:
        stackfiles.raw_config(stack, root=tmp_path)
    message = str(caught.value)
    assert f"{stack_file}:{line}" in message and "failsafe:backupAccountId" in message, message
    assert "Pulumi.dr.yaml" in message and "\n" not in message, message
