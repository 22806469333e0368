"""The library's IAM helper for people's trust policies builds exactly what the one MFA definition
(failsafe_guardrails.mfa, shared by the pack and `failsafe-dr verify`) accepts. The library may not import the pack
(it stands alone), so this test holds the two together; the shared case table (tests/support/mfa_cases.json) holds
the definition, the pack and verify together."""

from __future__ import annotations

import pytest

from failsafe_components import iam
from failsafe_guardrails import mfa


@pytest.mark.parametrize("age", [900, 3600, 43200])
def test_human_trust_requires_mfa_by_the_shared_definition(age: int) -> None:
    document = iam.human_trust("111111111111", age)
    assert mfa.trust_policy_human_statements_without_mfa(document) == [], document
    assert all(mfa.statement_requires_mfa(s) for s in document["Statement"]), document
