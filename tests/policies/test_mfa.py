"""The definition of "requires MFA" (failsafe_guardrails.mfa) against the shared table of cases, its sentences,
and its promise to import with the standard library alone."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from typing import Any

import pytest

from tests.support.pack import POLICY_PACK, MfaCase, mfa_cases

# isort: split
from failsafe_guardrails import mfa

ROOT = "arn:aws:iam::111111111111:root"
USER = "arn:aws:iam::111111111111:user/alice"
MFA = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
ASSUME_AS_ROOT = {"Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "sts:AssumeRole"}


@pytest.mark.parametrize("case", mfa_cases(), ids=lambda c: c.id)
def test_case_table(case: MfaCase) -> None:
    if case.kind == "document":
        found = mfa.trust_policy_human_statements_without_mfa(case.statement_or_document)
        assert (found == []) is case.requires_mfa, f"{case.why}: {found}"
    else:
        assert mfa.statement_requires_mfa(case.statement_or_document) is case.requires_mfa, case.why


def test_case_table_is_well_formed() -> None:
    cases = mfa_cases()
    ids = [c.id for c in cases]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert {c.kind for c in cases} == {"statement", "document"}
    for c in cases:
        is_document = isinstance(c.statement_or_document, str) or "Statement" in c.statement_or_document
        assert is_document is (c.kind == "document") and c.why and isinstance(c.requires_mfa, bool), c.id
    assert (
        {c.requires_mfa for c in mfa_cases("statement")}
        == {c.requires_mfa for c in mfa_cases("document")}
        == {
            True,
            False,
        }
    )


def test_each_finding_names_the_statement_index_and_the_principals() -> None:
    document = {
        "Statement": [{**ASSUME_AS_ROOT, "Condition": MFA}, {**ASSUME_AS_ROOT, "Principal": {"AWS": [ROOT, USER]}}]
    }
    assert mfa.trust_policy_human_statements_without_mfa(document) == [
        f"statement 1 lets {ROOT}, {USER} assume the role without Bool aws:MultiFactorAuthPresent true"
    ]


@pytest.mark.parametrize("value", ["not json", "[1, 2]", None, 42, []], ids=repr)
def test_what_is_not_a_policy_document_has_no_statements_to_judge(value: Any) -> None:
    assert mfa.statements(value) == []
    assert mfa.trust_policy_human_statements_without_mfa(value) == []


def test_the_document_is_not_modified() -> None:
    document = {"Statement": [dict(ASSUME_AS_ROOT)]}
    before = json.dumps(document, sort_keys=True)
    mfa.trust_policy_human_statements_without_mfa(document)
    assert json.dumps(document, sort_keys=True) == before


PLACEHOLDER = object()


@pytest.mark.parametrize(
    "condition",
    [PLACEHOLDER, {"Bool": PLACEHOLDER}, {"Bool": {"aws:MultiFactorAuthPresent": PLACEHOLDER}}],
    ids=["condition", "bool-block", "key-value"],
)
def test_a_deciding_value_that_is_the_unknown_placeholder_counts_as_requiring_mfa(condition: Any) -> None:
    statement = {**ASSUME_AS_ROOT, "Condition": condition}
    assert mfa.statement_requires_mfa(statement, unknown=PLACEHOLDER)
    assert mfa.trust_policy_human_statements_without_mfa({"Statement": [statement]}, unknown=PLACEHOLDER) == []


def test_an_unknown_value_that_cannot_change_the_verdict_does_not_hide_a_finding() -> None:
    statement = {**ASSUME_AS_ROOT, "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": PLACEHOLDER}}}
    assert mfa.trust_policy_human_statements_without_mfa({"Statement": [statement]}, unknown=PLACEHOLDER)


@pytest.mark.parametrize(
    "statement",
    [
        {**ASSUME_AS_ROOT, "Effect": PLACEHOLDER},
        {**ASSUME_AS_ROOT, "Action": PLACEHOLDER},
        {**ASSUME_AS_ROOT, "Principal": PLACEHOLDER},
        {**ASSUME_AS_ROOT, "Principal": {"AWS": [PLACEHOLDER]}},
    ],
    ids=["effect", "action", "principal", "principal-item"],
)
def test_an_unknown_effect_action_or_principal_lets_no_one_assume_the_role(statement: dict[str, Any]) -> None:
    assert mfa.humans_assuming_without_mfa(statement, unknown=PLACEHOLDER) == []


def test_imports_nothing_outside_the_standard_library() -> None:
    tree = ast.parse((POLICY_PACK / "failsafe_guardrails" / "mfa.py").read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    outside = {name for name in imported if name.split(".")[0] not in sys.stdlib_module_names}
    assert not outside, f"mfa.py must import only the standard library; it imports {sorted(outside)}"


def test_imports_as_failsafe_guardrails_mfa_without_site_packages() -> None:
    """``-S``: no site-packages, so neither pulumi nor pulumi_policy is importable; the package __init__ runs too."""
    script = (
        f"import sys; sys.path.insert(0, {str(POLICY_PACK)!r}); import failsafe_guardrails.mfa as m; "
        "assert not [n for n in sys.modules if n.startswith('pulumi')]; print(m.statement_requires_mfa({}))"
    )
    result = subprocess.run([sys.executable, "-S", "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.strip() == "False", result.stderr
