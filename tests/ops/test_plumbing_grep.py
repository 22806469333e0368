"""The plumbing has one of each (issue 21, "Done when"), checked by reading the source of failsafe/ops:

- one session maker: ``boto3.Session``, ``assume_role`` only in :mod:`failsafe.ops.aws`;
- one client factory and one retry policy: botocore ``Config``, ``retries``/``max_attempts``, ``Session.client``
  only there; no retry module, no ``_call`` wrapper, no loop over attempts anywhere;
- no pagination by hand: continuation tokens appear only in a paginator definition handed to botocore's own
  ``Paginator`` (``"input_token"``/``"output_token"``);
- one exit-code map: exit constants, ``explain`` and ``exit_code`` only in :mod:`failsafe.ops.errors`; no literal
  exit status returned or passed to ``sys.exit``.

Each rule is a regular expression over code lines (comments and docstring lines that only explain are left out by
requiring code shape: a call, an assignment or an import); ``test_each_rule_finds_what_it_forbids`` shows each rule
matching the line it exists to refuse.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

OPS = Path(__file__).resolve().parents[2] / "failsafe" / "ops"

# rule -> (pattern, the only files allowed to match it, a line the rule must refuse)
RULES: dict[str, tuple[str, frozenset[str], str]] = {
    "session maker": (
        r"\bboto3\.(Session|session\.Session|client|resource)\(",
        frozenset({"aws.py"}),
        "s = boto3.Session()",
    ),
    "assume role": (r"\.assume_role\(", frozenset({"aws.py"}), 'creds = sts.assume_role(RoleArn="r")'),
    "client factory": (r"\b(sess|session|base|boto3)\w*\.client\(", frozenset({"aws.py"}), 'sess.client("s3")'),
    "retry config": (
        r"\bConfig\(|botocore\.config|\bmax_attempts\b|\bretries\s*=|[\"']retries[\"']",
        frozenset({"aws.py"}),
        'Config(retries={"max_attempts": 3})',
    ),
    "retry module": (
        r"^\s*(from failsafe\.ops import .*\bretry\b|import .*\bretry\b)|\bretry\.call\(",
        frozenset(),
        "from failsafe.ops import aws, retry",
    ),
    "call wrapper": (r"^\s*def _call\(", frozenset(), "    def _call(self, fn, **kw):"),
    "attempt loop": (
        r"^\s*(for \w+ in range\(.*(attempt|tries|retr|ATTEMPTS)|while \w*(attempt|tries|retr)\w* <)",
        frozenset(),
        "        for attempt in range(ATTEMPTS):",
    ),
    "hand paging": (
        r"^(?!.*[\"'](input|output)_token[\"']).*"
        r"(\b(NextToken|ContinuationToken|NextContinuationToken|IsTruncated|NextMarker|KeyMarker|Marker)=|[\"'](NextToken|ContinuationToken|NextContinuationToken|IsTruncated|NextMarker|KeyMarker|Marker)[\"'])",
        frozenset(),
        'token = page.get("NextToken")',
    ),
    "exit constants": (r"^(EXIT_\w+|EXIT)\s*=", frozenset({"errors.py"}), "EXIT_ERROR = 2"),
    "exit map": (r"^\s*def (explain|exit_code_of)\(|^\s*exit_code\s*=", frozenset({"errors.py"}), "    exit_code = 3"),
    "literal exit": (r"\bsys\.exit\(\s*\d|^\s*return [1-9]\d*\s*$|\bexit\(\s*[1-9]", frozenset(), "        return 2"),
}


def code_lines() -> list[tuple[str, int, str]]:
    """(path relative to failsafe/ops, line number, line) of every Python line that is not a comment."""
    found = []
    for path in sorted(OPS.rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.lstrip().startswith("#"):
                found.append((str(path.relative_to(OPS)), number, line.split("  # ")[0]))
    return found


LINES = code_lines()


@pytest.mark.parametrize("rule", sorted(RULES))
def test_one_of_each_in_failsafe_ops(rule: str) -> None:
    pattern, allowed, _ = RULES[rule]
    hits = [f"failsafe/ops/{p}:{n}: {line.strip()}" for p, n, line in LINES if re.search(pattern, line)]
    outside = [h for h in hits if h.split(":")[0].removeprefix("failsafe/ops/") not in allowed]
    assert outside == [], f"{rule}: only in {sorted(allowed) or 'no file'}"


def test_the_one_of_each_exists_where_it_should() -> None:
    """The allowed files do hold the one session maker, the retry policy and the exit map."""
    aws = (OPS / "aws.py").read_text(encoding="utf-8")
    assert "boto3.Session(" in aws and '"total_max_attempts": attempts' in aws and "get_paginator" in aws
    assert "def explain(" in (OPS / "errors.py").read_text(encoding="utf-8")


@pytest.mark.parametrize("rule", sorted(RULES))
def test_each_rule_finds_what_it_forbids(rule: str) -> None:
    pattern, _, forbidden = RULES[rule]
    assert re.search(pattern, forbidden), f"{rule} does not match {forbidden!r}"


def test_a_paginator_definition_is_not_hand_paging() -> None:
    pattern = RULES["hand paging"][0]
    assert not re.search(pattern, '    "input_token": "NextToken",')
    assert not re.search(pattern, '    "output_token": "NextToken",')
