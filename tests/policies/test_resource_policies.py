"""resource-policy-no-star-principal on the SDK's argument types: one resource policy (and one Lambda permission)
narrowed to a principal or a source, one property changed per case."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.pack import UNKNOWN, run_resource

# isort: split
from failsafe_guardrails.resource_policies import LAMBDA_PERMISSION_TYPE, POLICY_INPUTS

POLICY = "resource-policy-no-star-principal"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"


def document(**statement: Any) -> dict[str, Any]:
    """A policy that lets one account's root read, with ``statement``'s fields replaced (None removes one)."""
    base = {
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
        "Action": "s3:GetObject",
        "Condition": {"Bool": {"aws:SecureTransport": "true"}},
    }
    base.update(statement)
    return {"Version": "2012-10-17", "Statement": [{k: v for k, v in base.items() if v is not None}]}


@pytest.mark.parametrize(
    ("statement", "violates"),
    [
        ({"Principal": "*", "Condition": None}, True),
        ({"Principal": {"AWS": ["*"]}, "Condition": None}, True),
        ({"Principal": "*"}, False),
        ({}, False),
        ({"Principal": "*", "Condition": None, "Effect": "Deny"}, False),
        ({"Principal": "*", "Condition": UNKNOWN}, False),
        ({"Principal": UNKNOWN, "Condition": None}, False),
    ],
    ids=["star", "aws-star-list", "star-with-condition", "named", "deny", "condition-unknown", "principal-unknown"],
)
def test_star_principal_in_resource_policy(statement: dict[str, Any], violates: bool) -> None:
    found = run_resource(POLICY, BUCKET_POLICY, {"policy": document(**statement)})
    assert bool(found) == violates, found


@pytest.mark.parametrize("key", POLICY_INPUTS)
def test_every_policy_input_is_read_as_json_text_and_named(key: str) -> None:
    found = run_resource(POLICY, BUCKET_POLICY, {key: json.dumps(document(Principal="*", Condition=None))})
    assert found == [f"r: statement 0 of {key} allows Principal '*' without a condition."]


def test_policy_unknown_at_preview_is_not_a_violation() -> None:
    assert run_resource(POLICY, BUCKET_POLICY, {"policy": UNKNOWN}) == []


def test_trust_policies_of_roles_are_left_to_the_mfa_rule() -> None:
    props = {"policy": document(Principal="*", Condition=None)}
    assert run_resource(POLICY, "aws:iam/role:Role", props) == []


def test_resource_exempt_only_by_config() -> None:
    props = {"policy": document(Principal="*", Condition=None)}
    assert run_resource(POLICY, BUCKET_POLICY, props, {"exemptions": ["r"]}) == []


@pytest.mark.parametrize(
    ("props", "role", "violates"),
    [
        ({"principal": "*", "action": "lambda:InvokeFunction"}, "prod", True),
        ({"principal": "*", "sourceArn": "arn:aws:execute-api:eu-west-1:111111111111:api/*"}, "prod", False),
        ({"principal": "*", "sourceAccount": UNKNOWN}, "prod", False),
        ({"principal": "*", "principalOrgId": "o-abc"}, "dr", False),
        ({"principal": "*", "sourceArn": ""}, "prod", True),
        ({"principal": "*", "functionUrlAuthType": "NONE"}, "preview", False),
        ({"principal": "*", "functionUrlAuthType": "NONE"}, "prod", True),
        ({"principal": "s3.amazonaws.com"}, "prod", False),
        ({"principal": UNKNOWN}, "prod", False),
    ],
    ids=[
        "bare-star",
        "source-arn",
        "source-account-unknown",
        "org",
        "source-arn-empty",
        "preview-public-url",
        "prod-public-url",
        "service",
        "principal-unknown",
    ],
)
def test_lambda_permission_for_star_needs_a_narrowing_condition(
    props: dict[str, Any], role: str, violates: bool
) -> None:
    found = run_resource(POLICY, LAMBDA_PERMISSION_TYPE, props, {"stackRole": role}, name="invoke")
    assert bool(found) is violates, found


# --- resource-policy-no-allow-with-not-principal ------------------------------------------------------------------
# IAM User Guide, "AWS JSON policy elements: NotPrincipal" (reference_policies_elements_notprincipal.md), current
# text: "NotPrincipal must be used with "Effect":"Deny". Using it with "Effect":"Allow" is not supported."

NOT_PRINCIPAL = "resource-policy-no-allow-with-not-principal"

# Every kind of resource whose policy input the pack reads, by the input that holds the document.
RESOURCE_POLICY_HOLDERS = [
    ("aws:s3/bucketPolicy:BucketPolicy", "policy"),
    ("aws:kms/key:Key", "policy"),
    ("aws:sns/topicPolicy:TopicPolicy", "policy"),
    ("aws:sns/topic:Topic", "policy"),
    ("aws:sqs/queuePolicy:QueuePolicy", "policy"),
    ("aws:sqs/queue:Queue", "policy"),
    ("aws:backup/vaultPolicy:VaultPolicy", "policy"),
    ("aws:cloudwatch/eventBusPolicy:EventBusPolicy", "policy"),
    ("aws:secretsmanager/secretPolicy:SecretPolicy", "policy"),
    ("aws:ecr/repositoryPolicy:RepositoryPolicy", "policy"),
    ("aws:glacier/vault:Vault", "accessPolicy"),
    ("aws:opensearch/domain:Domain", "accessPolicies"),
    ("aws:iam/role:Role", "assumeRolePolicy"),
]


def allow_all_but(principal: str, **statement: Any) -> dict[str, Any]:
    body = {"Sid": "EveryoneElse", "Effect": "Allow", "NotPrincipal": {"AWS": principal}, "Action": "s3:GetObject"}
    body.update(statement)
    return {"Version": "2012-10-17", "Statement": [{k: v for k, v in body.items() if v is not None}]}


@pytest.mark.parametrize(
    ("type_", "key"), RESOURCE_POLICY_HOLDERS, ids=[t.rsplit(":", 1)[-1] for t, _ in RESOURCE_POLICY_HOLDERS]
)
def test_allow_with_not_principal_is_refused_in_every_resource_policy(type_: str, key: str) -> None:
    """IAM User Guide, NotPrincipal: "Using it with "Effect":"Allow" is not supported." The finding names the
    resource, the statement (Sid) and the input, in every document the pack reads."""
    found = run_resource(NOT_PRINCIPAL, type_, {key: json.dumps(allow_all_but("arn:aws:iam::111111111111:root"))})
    assert found == [
        f"r: statement EveryoneElse of {key} allows with NotPrincipal, which IAM does not support "
        "(NotPrincipal must be used with Deny)."
    ], found


@pytest.mark.parametrize(
    ("statement", "violates"),
    [
        ({}, True),
        ({"Sid": None}, True),  # named by its index then
        ({"Effect": "Deny"}, False),  # the documented use: Deny to all but the listed principals
        ({"NotPrincipal": None, "Principal": {"AWS": "arn:aws:iam::111111111111:root"}}, False),
        ({"Effect": UNKNOWN}, False),  # judged once known
    ],
    ids=["allow", "allow-without-sid", "deny", "principal", "effect-unknown"],
)
def test_only_allow_with_not_principal_is_refused(statement: dict[str, Any], violates: bool) -> None:
    """IAM User Guide, NotPrincipal: "The NotPrincipal element uses "Effect":"Deny" to deny access to all principals
    except the principal specified in the NotPrincipal element": Deny keeps its documented meaning."""
    document = allow_all_but("arn:aws:iam::111111111111:root", **statement)
    found = run_resource(NOT_PRINCIPAL, BUCKET_POLICY, {"policy": document})
    assert bool(found) is violates, found
    if statement == {"Sid": None}:
        assert "statement #0 of policy" in found[0], found


def test_allow_with_not_principal_is_mandatory_by_default_and_exempt_only_by_config() -> None:
    from tests.support.pack import BY_NAME

    assert BY_NAME[NOT_PRINCIPAL].enforcement_level.value == "mandatory"
    props = {"policy": allow_all_but("arn:aws:iam::111111111111:root")}
    assert run_resource(NOT_PRINCIPAL, BUCKET_POLICY, props, {"exemptions": ["r"]}) == []


# --- iam-policy-condition-values-parse ----------------------------------------------------------------------------

PARSE = "iam-policy-condition-values-parse"


def conditional(condition: Any, sid: str | None = "Guard") -> dict[str, Any]:
    statement = {
        "Sid": sid,
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": "*",
        "Condition": condition,
    }
    return {"Version": "2012-10-17", "Statement": [{k: v for k, v in statement.items() if v is not None}]}


@pytest.mark.parametrize(
    ("condition", "why"),
    [
        ({"NumericLessThan": {"aws:MultiFactorAuthAge": "an hour"}}, "'an hour' is not an integer or decimal number"),
        ({"DateLessThan": {"aws:CurrentTime": "2030-01-01 00:00"}}, "is not a W3C ISO 8601 date"),
        ({"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "203.0.113.256"]}}, "'203.0.113.256' is not an IPv4"),
        ({"ArnNotEquals": {"aws:PrincipalArn": "failsafe-break-glass"}}, "'failsafe-break-glass' is not an ARN"),
        ({"Bool": {"aws:SecureTransport": "yes"}}, "'yes' is not true or false"),
        ({"BinaryEquals": {"custom:blob": "***"}}, "'***' is not a base-64 encoded value"),
        ({"Null": {"aws:TokenIssueTime": "absent"}}, "'absent' is not true or false"),
        ({"NumericAbout": {"s3:max-keys": "10"}}, "IAM documents no such condition operator"),
    ],
    ids=["numeric", "date", "ip", "arn", "bool", "binary", "null", "operator"],
)
def test_a_condition_value_that_does_not_parse_is_refused_naming_resource_statement_and_value(
    condition: dict[str, Any], why: str
) -> None:
    """IAM User Guide, Condition operators (reference_policies_elements_condition_operators.md): Numeric "an integer
    or decimal value"; Date "one of the W3C implementations of the ISO 8601 date formats or in epoch (UNIX) time";
    IP address "the standard CIDR format"; ARN "each of the six colon-delimited components"; Boolean "true" or
    "false"; Binary "a base-64 encoded representation"; Null true or false. A value outside its format, or an
    operator the guide does not list, is refused in one line naming the resource, the input and the statement."""
    found = run_resource(PARSE, BUCKET_POLICY, {"policy": json.dumps(conditional(condition))})
    assert len(found) == 1 and found[0].startswith("r: policy statement Guard: ") and why in found[0], found


@pytest.mark.parametrize(
    ("type_", "key"), RESOURCE_POLICY_HOLDERS, ids=[t.rsplit(":", 1)[-1] for t, _ in RESOURCE_POLICY_HOLDERS]
)
def test_condition_values_are_checked_in_every_document_the_pack_reads(type_: str, key: str) -> None:
    document = conditional({"NumericLessThan": {"aws:MultiFactorAuthAge": "ten"}}, sid=None)
    found = run_resource(PARSE, type_, {key: document})
    assert found and found[0].startswith(f"r: {key} statement #0: NumericLessThan on aws:MultiFactorAuthAge"), found


def test_role_inline_policies_and_policy_text_that_is_not_json_are_checked() -> None:
    inline = [{"name": "reads", "policy": json.dumps(conditional({"DateGreaterThan": {"aws:CurrentTime": "soon"}}))}]
    found = run_resource(PARSE, "aws:iam/role:Role", {"inlinePolicies": inline})
    assert found and found[0].startswith("r: inlinePolicies[0] (reads) statement Guard: DateGreaterThan"), found
    assert run_resource(PARSE, BUCKET_POLICY, {"policy": '{"Statement": ['}) == [
        "r: policy is not JSON, so it is no policy document IAM accepts."
    ]


@pytest.mark.parametrize(
    ("props", "violates"),
    [
        ({"principal": "events.amazonaws.com", "sourceArn": "arn:aws:events:eu-west-1:111111111111:rule/r"}, False),
        ({"principal": "events.amazonaws.com", "sourceArn": "rule/r"}, True),
        ({"principal": "events.amazonaws.com", "sourceArn": UNKNOWN}, False),
        ({"principal": "events.amazonaws.com"}, False),
    ],
    ids=["arn", "not-an-arn", "unknown", "absent"],
)
def test_a_lambda_permission_source_arn_must_be_an_arn(props: dict[str, Any], violates: bool) -> None:
    """Lambda adds a permission with sourceArn to the function policy as ArnLike aws:SourceArn (AWS Lambda
    Developer Guide, "Viewing resource-based IAM policies in Lambda"); ARN condition operators compare ARNs."""
    found = run_resource(PARSE, LAMBDA_PERMISSION_TYPE, props, name="invoke")
    assert bool(found) is violates, found


def test_well_formed_values_and_values_unknown_at_preview_pass() -> None:
    good = conditional(
        {
            "NumericLessThan": {"aws:MultiFactorAuthAge": 3600},
            "DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"},
            "IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:DB8:1234:5678::/64"]},
            "ArnLike": {"aws:SourceArn": "arn:aws:sns:*:${aws:PrincipalAccount}:*"},
            "Bool": {"aws:SecureTransport": True},
            "StringEquals": {"aws:PrincipalTag/team": "10.0.0.300"},
        }
    )
    assert run_resource(PARSE, BUCKET_POLICY, {"policy": good}) == []
    assert run_resource(PARSE, BUCKET_POLICY, {"policy": conditional({"NumericLessThan": {"k": UNKNOWN}})}) == []
    assert run_resource(PARSE, BUCKET_POLICY, {"policy": UNKNOWN}) == []
