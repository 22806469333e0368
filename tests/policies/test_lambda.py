"""lambda-function-url-requires-auth on the SDK's argument types: one function URL with AWS_IAM auth, its
authorization type or the stack role changed per case."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.pack import UNKNOWN, run_resource

# isort: split
from failsafe_guardrails.lambda_ import FUNCTION_URL_TYPE

POLICY = "lambda-function-url-requires-auth"


def findings(auth: Any, config: dict[str, Any] | None = None) -> list[str]:
    return run_resource(POLICY, FUNCTION_URL_TYPE, {"authorizationType": auth}, config, name="app")


@pytest.mark.parametrize(
    ("auth", "role", "violates"),
    [("AWS_IAM", "prod", False), ("NONE", "prod", True), ("none", "dr", True), ("NONE", "preview", False)],
)
def test_function_url_auth(auth: str, role: str, violates: bool) -> None:
    assert bool(findings(auth, {"stackRole": role})) == violates


def test_the_violation_names_the_function_url() -> None:
    assert findings("NONE", {"stackRole": "prod"}) == [
        "FunctionUrl app: authorizationType NONE makes the function public."
    ]


def test_without_a_stack_role_a_public_url_is_a_violation() -> None:
    assert findings("NONE")


def test_function_url_exempt_only_by_config() -> None:
    assert findings("NONE", {"stackRole": "prod", "exemptions": ["app"]}) == []


def test_authorization_type_unknown_at_preview_is_not_a_violation() -> None:
    assert findings(UNKNOWN, {"stackRole": "prod"}) == []


def test_other_resource_types_are_not_checked() -> None:
    assert run_resource(POLICY, "aws:lambda/function:Function", {"authorizationType": "NONE"}) == []
