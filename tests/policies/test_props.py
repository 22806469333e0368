"""failsafe_guardrails.props, the one way the rules read properties: plain data out of the SDK's proxies, UNKNOWN
for what is unknown at preview, never an UnknownValueError."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi_policy.proxy import unknown_checking_proxy

from tests.support.pack import UNKNOWN as ENGINE_UNKNOWN

# isort: split
from failsafe_guardrails.props import UNKNOWN, as_list, contains_unknown, is_unknown, plain, prop

PROPS = {
    "bucket": "data",
    "arn": ENGINE_UNKNOWN,
    "rules": [{"status": "Enabled", "id": ENGINE_UNKNOWN}, ENGINE_UNKNOWN],
    "config": {"status": "Enabled"},
}


@pytest.fixture(params=["proxy", "plain-dict"])
def props(request: pytest.FixtureRequest) -> Any:
    """The same properties as the analyzer wraps them, and as a plain dict that holds the engine's sentinels."""
    return unknown_checking_proxy(PROPS) if request.param == "proxy" else PROPS


def test_known_values_come_back_as_plain_data(props: Any) -> None:
    assert prop(props, "bucket") == "data"
    config = prop(props, "config")
    assert config == {"status": "Enabled"} and type(config) is dict


def test_unknown_values_come_back_as_the_sentinel(props: Any) -> None:
    assert prop(props, "arn") is UNKNOWN
    assert prop(props, "arn", "deeper") is UNKNOWN


def test_containers_are_converted_with_unknowns_inside_replaced(props: Any) -> None:
    rules = prop(props, "rules")
    assert rules == [{"status": "Enabled", "id": UNKNOWN}, UNKNOWN] and type(rules) is list
    assert contains_unknown(rules) and not contains_unknown(prop(props, "config"))


def test_a_path_reads_through_mappings(props: Any) -> None:
    assert prop(props, "config", "status") == "Enabled"


@pytest.mark.parametrize("path", [("missing",), ("missing", "status"), ("bucket", "status"), ("rules", "status")])
def test_an_absent_key_or_a_step_that_is_not_a_mapping_is_none(props: Any, path: tuple[str, ...]) -> None:
    assert prop(props, *path) is None


def test_plain_of_a_whole_proxy_never_raises(props: Any) -> None:
    assert plain(props)["arn"] is UNKNOWN


def test_the_sentinel_is_unknown_and_reads_as_no_text() -> None:
    assert is_unknown(UNKNOWN) and is_unknown(ENGINE_UNKNOWN) and not is_unknown("data")
    assert repr(UNKNOWN) == "<unknown>"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, []), ("a", ["a"]), ({"k": 1}, [{"k": 1}]), (["a", "b"], ["a", "b"]), (UNKNOWN, [UNKNOWN]), (3, [3])],
)
def test_as_list_takes_one_item_or_a_list(value: Any, expected: list[Any]) -> None:
    assert as_list(value) == expected
