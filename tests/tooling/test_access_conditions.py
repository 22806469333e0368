"""Condition values and request values that do not parse for their operator's type, and policy variables with no
value, each against the IAM User Guide section that defines the type (awsdocs/iam-user-guide
``reference_policies_elements_condition_operators.md`` and ``reference_policies_variables.md``).

A policy value that does not parse is a bug in the policy (the pack refuses it: ``iam-policy-condition-values-parse``);
the evaluator records it and answers UNKNOWN for its statement, whatever the request. A request value that does not
parse is UNKNOWN too, for positive and negated operators alike: the guide does not say what AWS does with it, and the
negated operators must not turn "cannot compare" into "does not match"."""

from __future__ import annotations

from typing import Any

import pytest

from failsafe.tooling.access.evaluator import Decision, Policy, Principal, Request, evaluate

A = "111111111111"
ROLE = f"arn:aws:iam::{A}:role/app"
OBJECT = "arn:aws:s3:::dr-replica/backups/db.dump"
OPS = "IAM User Guide, Condition operators (reference_policies_elements_condition_operators.md)"
VARS = "IAM User Guide, Policy variables with no value (reference_policies_variables.md#policy-vars-no-value)"


def allow_if(operator: str, key: str, value: Any, sid: str = "conditional") -> Policy:
    statement = {"Sid": sid, "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
    statement["Condition"] = {operator: {key: value}}
    return Policy({"Version": "2012-10-17", "Statement": [statement]}, "identity")


def deny_if(operator: str, key: str, value: Any) -> Policy:
    statement = {
        "Sid": "guard",
        "Effect": "Deny",
        "Action": "s3:*",
        "Resource": "*",
        "Condition": {operator: {key: value}},
    }
    return Policy({"Version": "2012-10-17", "Statement": [statement]}, "guardrail")


READ_ALL = Policy(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}, "id"
)


def get(context: dict[str, Any] | None = None) -> Request:
    return Request(Principal(ROLE, A), "s3:GetObject", OBJECT, A, context or {})


# (operator, key, the malformed policy value, a request value of the right type, the section that defines the type)
MALFORMED = [
    ("NumericLessThan", "aws:MultiFactorAuthAge", "ten", "300", "Numeric condition operators: integer or decimal"),
    ("NumericEquals", "s3:max-keys", "1e3", "1000", "Numeric: an exponent is not an integer or decimal"),
    ("NumericNotEquals", "s3:max-keys", " 10", "10", "Numeric: surrounding blanks are not part of a number"),
    ("NumericEquals", "s3:max-keys", "${aws:username}", "10", "Numeric: You can not use a policy variable"),
    ("DateGreaterThan", "aws:CurrentTime", "yesterday", "2024-05-01T12:00:00Z", "Date: W3C ISO 8601 or epoch"),
    ("DateLessThan", "aws:CurrentTime", "2020-01-01T00:00:00", "2024-05-01T12:00:00Z", "Date: a time needs a TZD"),
    ("DateNotEquals", "aws:CurrentTime", "2020-13-01", "2024-05-01T12:00:00Z", "Date: there is no month 13"),
    ("IpAddress", "aws:SourceIp", "10.0.0.300", "10.0.0.3", "IP address: standard CIDR format"),
    ("NotIpAddress", "aws:SourceIp", "10.0.0.0/33", "10.0.0.3", "IP address: an IPv4 prefix is at most 32"),
    ("IpAddress", "aws:SourceIp", "10.0.0.0/255.0.0.0", "10.0.0.3", "IP address: a netmask is not CIDR"),
    ("IpAddress", "aws:SourceIp", "2001:db8::1", "2001:db8::1", "IP address: /32 default, ambiguous for IPv6"),
    ("ArnLike", "aws:SourceArn", "not-an-arn", "arn:aws:sns:eu-west-1:111111111111:t", "ARN: six components"),
    ("ArnNotEquals", "aws:PrincipalArn", "arn:aws:iam::role", ROLE, "ARN: six colon-delimited components"),
    ("Bool", "aws:SecureTransport", "yes", "true", "Boolean condition operators: true or false"),
    ("BinaryEquals", "custom:blob", "not base64!", "QmluYXJ5", "Binary condition operators: base-64"),
    ("Null", "aws:TokenIssueTime", "maybe", "2024-05-01T12:00:00Z", "Null: true or false"),
]


@pytest.mark.parametrize(("operator", "key", "value", "good", "section"), MALFORMED, ids=[m[2] for m in MALFORMED])
def test_a_policy_value_that_does_not_parse_is_a_problem_and_its_statement_unknown(
    operator: str, key: str, value: str, good: str, section: str
) -> None:
    """IAM User Guide, Condition operators: each family's section defines its values' format (see ``section``).
    A value outside it is named (statement, operator, value) in the policy's problems, and the statement answers
    UNKNOWN whether or not the request has the key (an Allow and a Deny alike)."""
    policy = allow_if(operator, key, value)
    assert len(policy.problems) == 1, policy.problems
    assert "statement conditional" in policy.problems[0] and repr(value) in policy.problems[0], policy.problems
    for context in ({key: good}, {}):
        assert evaluate(get(context), identity=[policy]).decision is Decision.UNKNOWN, (section, context)
        guarded = evaluate(get(context), identity=[READ_ALL, deny_if(operator, key, value)])
        assert guarded.decision is Decision.UNKNOWN, (section, context, guarded)
        assert "guardrail statement guard" in guarded.reason and repr(value) in guarded.reason, guarded.reason


WELL_FORMED = [
    ("NumericLessThan", "10"),
    ("NumericGreaterThan", "-1.5"),
    ("DateLessThan", "1700000000"),
    ("DateLessThan", "2020-01-01"),
    ("DateLessThan", "2020-01"),
    ("DateLessThan", "2020-01-01T10:00Z"),
    ("DateLessThan", "2020-01-01T10:00:00.5+02:00"),
    ("IpAddress", "203.0.113.0/24"),
    ("IpAddress", "203.0.113.7"),
    ("IpAddress", "2001:DB8:1234:5678::/64"),
    ("ArnLike", "arn:aws:s3:::bucket"),
    ("ArnEquals", "arn:aws:iam::${aws:PrincipalAccount}:role/x"),
    ("ArnLike", "arn:aws:sns:*:111111111111:*"),
    ("Bool", "true"),
    ("Bool", "False"),
    ("Bool", "${aws:SecureTransport}"),
    ("BinaryEquals", "QmluYXJ5VmFsdWVJbkJhc2U2NA=="),
    ("Null", "true"),
    ("StringEquals", "anything at all, 10.0.0.300 included"),
]


@pytest.mark.parametrize(("operator", "value"), WELL_FORMED, ids=[f"{o}:{v}" for o, v in WELL_FORMED])
def test_values_in_the_documented_formats_are_no_problem(operator: str, value: str) -> None:
    """The examples of each section of the guide, and the W3C note's date forms (YYYY-MM, YYYY-MM-DD,
    YYYY-MM-DDThh:mmTZD, YYYY-MM-DDThh:mm:ss.sTZD), epoch seconds, an IPv4 address without a prefix (/32) and policy
    variables where the section allows them (ARN, Boolean, String)."""
    assert allow_if(operator, "k", value).problems == ()


# (operator, request value that does not parse, a well-formed policy value)
UNPARSEABLE_REQUESTS = [
    ("NumericLessThan", "abc", "3600"),
    ("NumericNotEquals", "abc", "3600"),
    ("DateGreaterThan", "later", "2020-01-01T00:00:00Z"),
    ("DateNotEquals", "later", "2020-01-01T00:00:00Z"),
    ("IpAddress", "bogus", "203.0.113.0/24"),
    ("NotIpAddress", "bogus", "203.0.113.0/24"),
    ("NotIpAddress", "203.0.113.0/24", "203.0.113.0/24"),  # a request carries one address, not a range
    ("ArnLike", "not-an-arn", "arn:aws:sns:*:111111111111:*"),
    ("ArnNotLike", "not-an-arn", "arn:aws:sns:*:111111111111:*"),
    ("Bool", "yes", "false"),
    ("BinaryEquals", "!!", "QmluYXJ5"),
]


@pytest.mark.parametrize(
    ("operator", "value", "expected"), UNPARSEABLE_REQUESTS, ids=[f"{o}:{v}" for o, v, _ in UNPARSEABLE_REQUESTS]
)
def test_a_request_value_that_does_not_parse_is_unknown_for_positive_and_negated_operators(
    operator: str, value: str, expected: str
) -> None:
    """IAM User Guide, Condition operators: the sections define what the operators compare (numbers, dates, IP
    addresses, ARNs, booleans, base-64), not what happens to a request value that is none. A negated operator used
    to treat "cannot parse" as "does not match" and so applied (a Deny with NotIpAddress denied, an Allow with
    NumericNotEquals granted); neither is sourced."""
    key = "custom:key"
    context = {key: value}
    assert evaluate(get(context), identity=[allow_if(operator, key, expected)]).decision is Decision.UNKNOWN
    assert evaluate(get(context), identity=[READ_ALL, deny_if(operator, key, expected)]).decision is Decision.UNKNOWN


def test_request_values_of_the_right_type_still_decide() -> None:
    """The same operators on parseable request values give definite answers (IAM User Guide, Condition operators:
    the aws:SourceIp, aws:MultiFactorAuthAge and aws:TokenIssueTime examples)."""
    cases = [
        ("NotIpAddress", "aws:SourceIp", "203.0.113.0/24", "198.51.100.1", Decision.DENY),
        ("NotIpAddress", "aws:SourceIp", "203.0.113.0/24", "203.0.113.9", Decision.ALLOW),
        ("NotIpAddress", "aws:SourceIp", "203.0.113.0/24", "2001:db8::1", Decision.DENY),  # IPv6 is outside a v4 range
        ("NumericGreaterThan", "aws:MultiFactorAuthAge", "3600", "7200", Decision.DENY),
        ("DateLessThan", "aws:TokenIssueTime", "2020-01-01T00:00:00+01:00", "2019-12-31T23:30:00Z", Decision.ALLOW),
        ("DateLessThan", "aws:TokenIssueTime", "2020-01-01T00:00:00+01:00", "2019-12-31T22:30:00Z", Decision.DENY),
    ]
    for operator, key, expected, value, decision in cases:
        result = evaluate(get({key: value}), identity=[READ_ALL, deny_if(operator, key, expected)])
        assert result.decision is decision, (operator, value, result)


# --- policy variables with no value ------------------------------------------------------------------------------


def test_a_positive_operator_with_a_variable_that_has_no_value_does_not_match() -> None:
    """IAM User Guide, "Policy variables with no value": "When you use a variable with no value in the condition
    element of an IAM policy, IAM JSON policy elements: Condition operators like StringEquals or StringLike do not
    match, and the policy statement does not take effect." Here the caller has no aws:PrincipalTag/Team."""
    for operator in ("StringEquals", "StringLike"):
        policy = allow_if(operator, "s3:ExistingObjectTag/Team", "${aws:PrincipalTag/Team}")
        context = {"s3:ExistingObjectTag/Team": "dr"}
        assert evaluate(get(context), identity=[policy]).decision is Decision.IMPLICIT_DENY, operator
        tagged = {**context, "aws:PrincipalTag/Team": "dr"}
        assert evaluate(get(tagged), identity=[policy]).decision is Decision.ALLOW, operator


def test_an_inverted_operator_with_a_variable_that_has_no_value_matches() -> None:
    """IAM User Guide, "Policy variables with no value": "Inverted condition operators like StringNotEquals or
    StringNotLike do match against a null value", and its example: with StringNotEquals on
    s3:ExistingObjectTag/Team against ${aws:PrincipalTag/Team}, "Access is explicitly denied when
    aws:principaltag/Team is not set"."""
    for operator in ("StringNotEquals", "StringNotLike"):
        guard = deny_if(operator, "s3:ExistingObjectTag/Team", "${aws:PrincipalTag/Team}")
        untagged = evaluate(get({"s3:ExistingObjectTag/Team": "dr"}), identity=[READ_ALL, guard])
        assert untagged.decision is Decision.DENY, operator
        same_team = {"s3:ExistingObjectTag/Team": "dr", "aws:PrincipalTag/Team": "dr"}
        assert evaluate(get(same_team), identity=[READ_ALL, guard]).decision is Decision.ALLOW, operator


def test_a_resource_entry_with_a_variable_that_has_no_value_matches_no_resource() -> None:
    """IAM User Guide, "Policy variables with no value": "If a variable that has no value in the authorization
    context is used as part of the Resource or NotResource element of a policy, the resource that includes a policy
    variable with no value will not match any resource." A Resource entry then grants nothing; a NotResource entry
    then excludes nothing, so its statement covers every resource."""
    home = "arn:aws:s3:::dr-replica/home/${aws:PrincipalTag/Team}/*"
    request = Request(Principal(ROLE, A), "s3:GetObject", "arn:aws:s3:::dr-replica/home/dr/x", A, {})
    grant = Policy(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": home}]}, "id"
    )
    assert evaluate(request, identity=[grant]).decision is Decision.IMPLICIT_DENY
    tagged = Request(request.principal, request.action, request.resource, A, {"aws:PrincipalTag/Team": "dr"})
    assert evaluate(tagged, identity=[grant]).decision is Decision.ALLOW
    fence = Policy(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", "NotResource": home}]}, "fence"
    )
    assert evaluate(request, identity=[READ_ALL, fence]).decision is Decision.DENY
    assert evaluate(tagged, identity=[READ_ALL, fence]).decision is Decision.ALLOW
