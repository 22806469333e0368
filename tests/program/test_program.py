"""The whole program, for every stack role from its real config files: explicit providers pinned to the
right accounts, the pull-only boundary to the backup account, and no cycle between stacks."""

from __future__ import annotations

import json

from failsafe.settings import stackfiles
from failsafe.settings.config import load_mapping
from failsafe.tooling.harness import PROVIDER_PREFIX, STACK_REFERENCE, Plan
from tests.support.plans import REAL_STACKS, ROOT, cached_plan


def config_of(stack: str):
    return load_mapping(stack, stackfiles.unnamespaced(stackfiles.raw_config(stack)))


def providers_of(plan: Plan) -> dict[str, dict]:
    return {r.urn: r.inputs for r in plan.resources if r.type.startswith(PROVIDER_PREFIX)}


def test_every_stack_plans_without_error(any_plan: Plan):
    assert any_plan.error is None
    assert any_plan.resources, f"{any_plan.stack} declared nothing"


def test_every_custom_resource_names_an_explicit_provider_from_the_plan(any_plan: Plan):
    providers = providers_of(any_plan)
    missing = [
        r.urn
        for r in any_plan.resources
        if r.custom
        and not r.type.startswith(PROVIDER_PREFIX)
        and r.type != STACK_REFERENCE
        and r.provider_urn not in providers
    ]
    assert not missing, f"{any_plan.stack}: resources without an explicit provider: {missing}"


def test_every_aws_provider_is_pinned_to_one_configured_account_through_the_deploy_role(any_plan: Plan):
    cfg = config_of(any_plan.stack)
    for urn, inputs in providers_of(any_plan).items():
        if not urn.split("::")[2].startswith("pulumi:providers:aws"):
            continue
        allowed = json.loads(inputs.get("allowedAccountIds") or "[]")
        assert len(allowed) == 1, f"{urn}: allowed_account_ids must pin exactly one account, got {allowed}"
        assert allowed[0] in cfg.accounts.all(), f"{urn}: account {allowed[0]} is not in the stack's config"
        roles = json.loads(inputs.get("assumeRoles") or "[]")
        assert [r["roleArn"] for r in roles] == [cfg.role_arn(allowed[0], cfg.deploy_role_name)], (
            f"{urn}: must assume the configured deploy role in its own account, got {roles}"
        )


def test_prod_holds_no_provider_for_the_backup_account():
    plan = cached_plan("prod")
    backup = config_of("prod").accounts.backup
    pushing = [u for u, i in providers_of(plan).items() if backup in str(i.get("allowedAccountIds"))]
    assert not pushing, f"prod must never push into the backup account, but has providers {pushing}"


def test_dr_and_preview_hold_only_their_own_account():
    for stack, account in (("dr", "backup"), ("pr-42", "preview")):
        expected = getattr(config_of(stack).accounts, account)
        for urn, inputs in providers_of(cached_plan(stack)).items():
            if not urn.split("::")[2].startswith("pulumi:providers:aws"):
                continue  # e.g. docker-build: no account to reach
            assert json.loads(inputs["allowedAccountIds"]) == [expected], f"{stack}: {urn} reaches another account"


def stack_references() -> dict[str, set[str]]:
    """stack -> stacks it reads, from the plans themselves (not from what the code intends)."""
    graph: dict[str, set[str]] = {}
    for stack in REAL_STACKS:
        refs = {r.inputs.get("name", r.name) for r in cached_plan(stack).by_type(STACK_REFERENCE)}
        graph[stack] = {ref.rsplit("/", 1)[-1] for ref in refs}
    return graph


def test_dr_never_reads_another_stack():
    assert stack_references()["dr"] == set(), "dr must rebuild first, alone: it may not read any other stack"


def test_stack_graph_has_no_cycle_and_deploys_dr_before_prod():
    graph = stack_references()
    order: list[str] = []
    remaining = {stack: set(deps) for stack, deps in graph.items()}
    while remaining:
        ready = sorted(s for s, deps in remaining.items() if deps <= set(order))
        assert ready, f"cycle between stacks: {remaining}"
        order.extend(ready)
        for stack in ready:
            del remaining[stack]
    assert order.index("dr") < order.index("prod"), order
    assert graph["prod"] == {"dr"}, f"prod reads {graph['prod']}, expected only dr"


def test_no_resource_is_left_with_a_hardcoded_region_other_than_its_providers(any_plan: Plan):
    """A region in inputs must be the region of the provider that owns the resource (config, not code)."""
    cfg = config_of(any_plan.stack)
    known = {cfg.primary_region, cfg.dr_region, cfg.metrics_region}
    for resource in any_plan.resources:
        region = resource.inputs.get("region")
        if isinstance(region, str) and region:
            assert region in known, f"{resource.urn}: region {region} does not come from config"


def test_the_json_plan_holds_data_not_python_object_reprs_or_machine_paths(any_plan: Plan):
    text = any_plan.to_json()
    assert " object at 0x" not in text, f"{any_plan.stack}: a value was rendered with repr(), not as data"
    assert str(ROOT) not in text, f"{any_plan.stack}: an absolute path of this checkout leaked into the plan"


def test_lambda_code_archives_list_the_files_they_upload():
    (copier,) = [r for r in cached_plan("dr").resources if r.name == "recovery-copier"]
    files = copier.inputs["code"]["archive"]
    assert "failsafe/ops/copier.py" in files and files["failsafe/ops/copier.py"] == {
        "asset": {"path": "failsafe/ops/copier.py"}
    }
