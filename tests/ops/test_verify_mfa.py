"""`failsafe-dr verify` judges MFA on human roles exactly as the policy pack does: every statement case of the shared
table (tests/support/mfa_cases.json, also run through the pack in tests/policies and against the IAM helpers in
tests/components) gets the same verdict here, through verify's own role check."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from failsafe.ops import verify
from tests.support.pack import MfaCase, mfa_cases
from tests.support.restore_paging import Paged

IDENTITY = "111111111111"  # the account the table's human principals belong to


class FakeIam:
    def __init__(self, roles: list[dict[str, Any]]) -> None:
        self.roles = roles

    def list_roles(self, **_: Any) -> dict[str, Any]:
        return {"Roles": self.roles, "IsTruncated": False}


def verdict(statement: dict[str, Any]) -> bool:
    """What verify's MFA check says of a role whose trust policy is this one statement, let in by a person."""
    people = {**statement, "Sid": "Case", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{IDENTITY}:root"}}
    role = {"RoleName": "human", "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [people]}}
    sides = verify.Sides(None, None, "eu-west-1", "eu-central-1", {("backup", "iam"): Paged(FakeIam([role]), "iam")})
    targets = verify.Targets({}, "222222222222", "333333333333", IDENTITY, timedelta(hours=1))
    (check,) = verify.check_mfa(sides, targets)
    assert check.name == "MFA human", check
    return check.ok


@pytest.mark.parametrize("case", mfa_cases(kind="statement"), ids=lambda c: c.id)
def test_verify_gives_every_shared_case_the_packs_verdict(case: MfaCase) -> None:
    # the statement's condition decides, whatever its own effect and principals (the table's definition)
    assert verdict(dict(case.statement_or_document)) is case.requires_mfa, f"{case.id}: {case.why}"
