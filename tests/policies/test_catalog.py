"""The pack as a whole: every policy of every service module is in the catalog once, each reads as sentences with
remediation in AWS and Pulumi terms, and each built-in enforcement level is the one the generated config sets for
the strictest real stacks."""

from __future__ import annotations

import re

import pytest

from failsafe.tooling import policyconfig
from tests.support.pack import POLICY_PACK
from tests.support.plans import config_of

# isort: split
from failsafe_guardrails import backup, catalog, iam, lambda_, providers, quotas, resource_policies, route53, s3, stack

MODULES = (backup, iam, lambda_, providers, quotas, resource_policies, route53, s3, stack)
CORE = ("iam-role-trust-requires-mfa", "s3-bucket-versioning-enabled", "no-hardcoded-account-ids")


def test_every_policy_of_every_module_is_in_the_catalog_once() -> None:
    from_modules = [p for module in MODULES for p in module.POLICIES]
    assert sorted(p.name for p in from_modules) == sorted(catalog.NAMES)
    assert len(set(catalog.NAMES)) == len(catalog.NAMES), catalog.NAMES
    assert set(CORE) <= set(catalog.NAMES)


def test_every_module_of_the_package_is_known_here() -> None:
    """A new service module must join MODULES (and its policies the catalog)."""
    helpers = {"__init__", "buckets", "catalog", "condition_values", "config", "limits", "mfa", "props"}
    found = {p.stem for p in (POLICY_PACK / "failsafe_guardrails").glob("*.py")} - helpers
    assert found == {m.__name__.rsplit(".", 1)[-1] for m in MODULES}


@pytest.mark.parametrize("policy", catalog.POLICIES, ids=lambda p: p.name)
def test_every_policy_has_sentences_remediation_and_severity(policy: object) -> None:
    assert policy.description[0].isupper() and policy.description.endswith("."), policy.description
    assert policy.remediation_steps and policy.remediation_steps.endswith("."), policy.remediation_steps
    assert policy.severity is not None


# What remediation must not contain: failsafe's own names, Python call paths (module.module.function(),
# package.module.name) and Python identifiers (snake_case), which mean nothing to someone reading the AWS and
# Pulumi docs.
INTERNALS = {
    "names failsafe": re.compile(r"failsafe", re.IGNORECASE),
    "calls through a Python module path": re.compile(r"\b\w+\.\w+\.\w+\("),
    "names a Python module path": re.compile(r"\b[a-z_]+\.[a-z_]+\.[a-z_]+\b"),
    "names a snake_case Python identifier": re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b"),
}


@pytest.mark.parametrize("policy", catalog.POLICIES, ids=catalog.NAMES)
def test_remediation_speaks_aws_and_pulumi_not_failsafe_internals(policy: object) -> None:
    broken = {why: m.group(0) for why, pattern in INTERNALS.items() if (m := pattern.search(policy.remediation_steps))}
    assert not broken, f"{policy.name}: remediation {broken}: {policy.remediation_steps!r}"


@pytest.mark.parametrize("stack_name", ["prod", "dr"])
def test_built_in_enforcement_levels_equal_the_generated_config_of_the_strictest_stacks(stack_name: str) -> None:
    generated = policyconfig.generate(config_of(stack_name))
    differing = {
        p.name: f"pack {p.enforcement_level.value}, generated {generated[p.name]['enforcementLevel']}"
        for p in catalog.POLICIES
        if p.enforcement_level.value != generated[p.name]["enforcementLevel"]
    }
    assert not differing, f"built-in levels differ from the {stack_name} config: {differing}"


def test_core_policies_are_mandatory_by_default() -> None:
    levels = {p.name: p.enforcement_level.value for p in catalog.POLICIES}
    assert all(levels[name] == "mandatory" for name in CORE), levels
