"""The one definition of "this condition value parses for its operator" (failsafe_guardrails.condition_values), read
by the pack and by the access proofs' evaluator, against the IAM User Guide's "Condition operators" sections, and its
promise to import with the standard library alone."""

from __future__ import annotations

import ast
import subprocess
import sys
from decimal import Decimal

import pytest

from tests.support.pack import POLICY_PACK

# isort: split
from failsafe_guardrails import condition_values as cv


def test_every_operator_of_the_guide_has_a_type_and_the_set_and_if_exists_forms_parse() -> None:
    """IAM User Guide, Condition operators: the String, Numeric, Date, Boolean, Binary, IP address and ARN tables,
    the Null check, "You can add IfExists to the end of any condition operator name except the Null condition", and
    the ForAnyValue:/ForAllValues: set operators (Multi-value context keys)."""
    assert set(cv.OPERATOR_KINDS.values()) == {"string", "numeric", "date", "bool", "binary", "ip", "arn", "null"}
    assert len(cv.OPERATOR_KINDS) == 27
    assert cv.parse_operator("ForAllValues:StringLikeIfExists") == cv.Operator("stringlike", "string", "all", True)
    assert cv.parse_operator("numericlessthan") == cv.Operator("numericlessthan", "numeric", "", False)
    assert cv.parse_operator("NullIfExists") is None
    assert cv.parse_operator("StringSortOf") is None


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1700000000", Decimal(1700000000)),
        ("2020-01-01T00:00:00Z", Decimal(1577836800)),
        ("2020-01-01T01:00:00+01:00", Decimal(1577836800)),
        ("2019-12-31T19:00-05:00", Decimal(1577836800)),
        ("2020-01-01", Decimal(1577836800)),
        ("2020-01", Decimal(1577836800)),
        ("2020-01-01T00:00:00.25Z", Decimal("1577836800.25")),
    ],
)
def test_dates_in_the_w3c_profile_and_epoch_seconds(text: str, seconds: Decimal) -> None:
    """IAM User Guide, Date condition operators: "one of the W3C implementations of the ISO 8601 date formats or in
    epoch (UNIX) time" (W3C note "Date and Time Formats": YYYY-MM, YYYY-MM-DD, hh:mmTZD, hh:mm:ssTZD, hh:mm:ss.sTZD)."""
    assert cv.parse_date(text) == seconds


@pytest.mark.parametrize(
    "text",
    [
        "yesterday",
        "2020-01-01T00:00:00",
        "2020-01-01 00:00:00Z",
        "2020-13-01",
        "2020-02-30",
        "2020-01-01T24:00Z",
        "2020-01-01T00:00:00+25:00",
        "-5",
        "1.5",
        "2020-01-01t00:00z",
        "",
    ],
)
def test_what_is_not_a_date(text: str) -> None:
    """No zone designator, a space for the T, impossible days and hours, and fractions of epoch seconds are outside
    the W3C profile and the epoch form."""
    assert cv.parse_date(text) is None and cv.problem("date", text) is not None


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("10", True),
        ("-1.5", True),
        ("0.25", True),
        ("1e3", False),
        ("NaN", False),
        ("Infinity", False),
        ("0x10", False),
        (" 10", False),
        ("1,000", False),
        (".5", False),
        ("", False),
    ],
)
def test_numbers_are_integers_or_decimals(text: str, ok: bool) -> None:
    """IAM User Guide, Numeric condition operators: "an integer or decimal value"."""
    assert (cv.problem("numeric", text) is None) is ok


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("203.0.113.0/24", True),
        ("203.0.113.7", True),
        ("203.0.113.7/24", True),  # host bits set: IAM reads the range
        ("2001:DB8:1234:5678::/64", True),
        ("2001:db8::1/128", True),
        ("2001:db8::1", False),  # an IPv6 address alone: the documented default prefix is /32
        ("203.0.113.256", False),
        ("203.0.113.0/33", False),
        ("203.0.113.0/255.255.255.0", False),
        ("010.0.0.1", False),
        (" 203.0.113.0/24", False),
        ("fe80::1%eth0/64", False),
    ],
)
def test_ip_values_are_cidr_ranges_or_ipv4_addresses(text: str, ok: bool) -> None:
    """IAM User Guide, IP address condition operators: "The value must be in the standard CIDR format (for example,
    203.0.113.0/24 or 2001:DB8:1234:5678::/64). If you specify an IP address without the associated routing prefix,
    IAM uses the default prefix value of /32." An IPv6 address without a prefix would be a /32 of IPv6 space by that
    rule, which the guide cannot have meant and does not otherwise settle: refused as ambiguous."""
    assert (cv.problem("ip", text) is None) is ok, cv.problem("ip", text)
    if text == "2001:db8::1":
        assert "without a routing prefix" in (cv.problem("ip", text) or "")


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("arn:aws:s3:::bucket", True),
        ("arn:aws:iam::111111111111:role/path/name", True),
        ("arn:aws:sns:*:*:*", True),
        ("arn:aws:iam::${aws:PrincipalAccount}:root", True),
        ("arn:aws:s3:::bucket/with:colons", True),
        ("failsafe-break-glass", False),
        ("arn:aws:iam::role", False),
        ("*", False),
        ("ARN:aws:s3:::bucket", False),
    ],
)
def test_arns_have_six_components(text: str, ok: bool) -> None:
    """IAM User Guide, ARN condition operators: "Each of the six colon-delimited components of the ARN is checked
    separately"; policy variables are allowed ("You can use a policy variable with the ARN condition operator")."""
    assert (cv.problem("arn", text) is None) is ok


def test_bool_null_and_binary() -> None:
    """IAM User Guide: Boolean condition operators compare to "true" or "false" (policy variables allowed); Null
    takes true or false (no variables); BinaryEquals takes a base-64 encoded value."""
    assert cv.problem("bool", "true") is None and cv.problem("bool", "FALSE") is None
    assert cv.problem("bool", "${aws:SecureTransport}") is None
    assert cv.problem("bool", "yes") is not None and cv.problem("null", "${aws:x}") is not None
    assert cv.problem("binary", "QmluYXJ5VmFsdWVJbkJhc2U2NA==") is None and cv.problem("binary", "Qm!") is not None
    assert cv.problem("string", "anything") is None


def test_variables_are_refused_where_the_guide_refuses_them() -> None:
    """IAM User Guide, Condition operators: "You can not use a policy variable with the Numeric/Date/Binary/IpAddress
    condition operator" and with Null: the ``${...}`` text is then the value, and it is no number, date or range."""
    for kind in ("numeric", "date", "binary", "ip", "null"):
        assert cv.problem(kind, "${aws:username}") is not None, kind


def test_findings_name_statement_operator_key_and_value_and_skip_the_unknown() -> None:
    unknown = object()
    document = {
        "Statement": [
            {"Sid": "Age", "Effect": "Deny", "Condition": {"NumericGreaterThan": {"aws:MultiFactorAuthAge": "old"}}},
            {"Effect": "Allow", "Condition": {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "nope", unknown]}}},
            {"Effect": "Allow", "Condition": {"DateLessThan": unknown}},
            {"Effect": "Allow", "Condition": unknown},
        ]
    }
    found = cv.condition_findings(document, unknown=unknown)
    assert [(f.statement, f.operator, f.key, f.value) for f in found] == [
        ("Age", "NumericGreaterThan", "aws:MultiFactorAuthAge", "old"),
        ("#1", "IpAddress", "aws:SourceIp", "nope"),
    ]
    assert found[0].sentence().startswith("statement Age: NumericGreaterThan on aws:MultiFactorAuthAge: 'old' is not")
    assert cv.condition_findings('{"Statement": [') == []  # not JSON: nothing to read here (the pack says so itself)


def test_imports_nothing_outside_the_standard_library() -> None:
    tree = ast.parse((POLICY_PACK / "failsafe_guardrails" / "condition_values.py").read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    outside = {name for name in imported if name.split(".")[0] not in sys.stdlib_module_names}
    assert not outside, f"condition_values.py must import only the standard library; it imports {sorted(outside)}"


def test_imports_as_failsafe_guardrails_condition_values_without_site_packages() -> None:
    """``-S``: no site-packages, so neither pulumi nor pulumi_policy is importable; the package __init__ runs too."""
    script = (
        f"import sys; sys.path.insert(0, {str(POLICY_PACK)!r}); import failsafe_guardrails.condition_values as c; "
        "assert not [n for n in sys.modules if n.startswith('pulumi')]; print(c.problem('numeric', '10'))"
    )
    result = subprocess.run([sys.executable, "-S", "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.strip() == "None", result.stderr
