"""The members registry as the operator tools will read it (issue 24 item 6 is failsafe/ops's; this is the settings
half): member name -> account, region, the fixed-name role to assume there and an optional per-member profile."""

from __future__ import annotations

import json

import pytest

from failsafe.settings import registry
from failsafe.settings.config import ConfigError, load_mapping
from tests.support.plans import config_of, values_of


def _dr_with(**extra: str) -> dict[str, str]:
    values = values_of("dr")
    members = json.loads(values["members"])
    members[0].update(extra)
    values["members"] = json.dumps(members)
    return values


def test_every_member_maps_to_its_account_region_and_the_deploy_role_there_in_registry_order() -> None:
    values = values_of("dr")
    written = json.loads(values["members"])  # the registry as dr's stack file writes it
    found = registry.member_access(config_of("dr"))
    assert list(found) == [m["name"] for m in written]
    last = written[-1]
    member = found[last["name"]]
    assert (member.account, member.region) == (last["accountId"], last["region"])
    assert member.role_arn == f"arn:aws:iam::{last['accountId']}:role/{values['deployRoleName']}"
    assert member.profile == last.get("profile", "")
    assert registry.one(config_of("dr"), "checkout", role_name="ops").role_arn.endswith(":role/ops")


def test_a_member_may_name_its_own_profile_and_a_bad_one_is_refused_on_one_line() -> None:
    cfg = load_mapping("dr", _dr_with(profile="payments-admin"))
    assert registry.one(cfg, "payments").profile == "payments-admin"
    with pytest.raises(ConfigError) as caught:
        load_mapping("dr", _dr_with(profile="two words"))
    assert "profile: an AWS profile name" in str(caught.value) and "\n" not in str(caught.value)


def test_an_unknown_member_is_refused_naming_the_flag_and_the_registry() -> None:
    with pytest.raises(registry.UnknownMember) as caught:
        registry.one(config_of("dr"), "billing")
    assert str(caught.value) == "--account billing: expected a member of dr's registry (payments, checkout, analytics)"
