"""The Cloud Control peer (tests/support/cloudcontrol.py) refuses what AWS refuses, pages, throttles; and the
catalogue's identifiers, parents and tokens agree with sources other than the schemas it is generated from:
Cloud Control answers recorded from AWS's documentation, and the installed pulumi_aws_native's own registration.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from botocore.exceptions import ClientError
from botocore.retries import standard

from failsafe.ops import cloudcontrol_catalog as cc
from tests.support.cloudcontrol import CloudControlStub, native_token_classes, recorded

STREAMS = [{"Name": f"stream-{i}", "ShardCount": 1} for i in range(5)]
NODEGROUPS = [{"ClusterName": "blue", "NodegroupName": "ng-1"}, {"ClusterName": "blue", "NodegroupName": "ng-2"}]
RESOURCES = [  # a composite identifier (RestApiId|ResourceId) under a parent (RestApiId), as a test declares it
    {"RestApiId": "api1", "ResourceId": "r1", "PathPart": "pets"},
    {"RestApiId": "api1", "ResourceId": "r2", "PathPart": "owners"},
    {"RestApiId": "api2", "ResourceId": "r1", "PathPart": "orders"},
]


@pytest.fixture(scope="module")
def stub() -> Iterator[CloudControlStub]:
    peer = CloudControlStub(page_size=2)
    peer.seed("AWS::Kinesis::Stream", STREAMS, identifier=["Name"])
    # the parent key as AWS's recorded error names it (awslabs/mcp#403)
    peer.seed("AWS::EKS::Nodegroup", NODEGROUPS, identifier=["NodegroupName"], parents=[["ClusterName"]])
    # composite identifiers joined by | (Cloud Control API User Guide, "Identifying resources")
    peer.seed("AWS::ApiGateway::Resource", RESOURCES, identifier=["RestApiId", "ResourceId"], parents=[["RestApiId"]])
    with peer.running():
        yield peer


def _code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def test_pages_follow_next_token_with_botocores_paginator(stub: CloudControlStub) -> None:
    client = stub.client()
    before = stub.count("ListResources")
    pages = list(client.get_paginator("list_resources").paginate(TypeName="AWS::Kinesis::Stream"))
    assert [len(p["ResourceDescriptions"]) for p in pages] == [2, 2, 1]
    assert [d["Identifier"] for p in pages for d in p["ResourceDescriptions"]] == [s["Name"] for s in STREAMS]
    assert stub.count("ListResources") - before == 3


def test_max_results_lowers_the_page_size(stub: CloudControlStub) -> None:
    page = stub.client().list_resources(TypeName="AWS::Kinesis::Stream", MaxResults=1)
    assert len(page["ResourceDescriptions"]) == 1 and page["NextToken"]


def test_a_token_the_stub_did_not_issue_is_refused(stub: CloudControlStub) -> None:
    with pytest.raises(ClientError) as caught:
        stub.client().list_resources(TypeName="AWS::Kinesis::Stream", NextToken="forged")
    assert _code(caught) == "InvalidRequestException"


def test_a_token_replayed_for_another_type_is_refused(stub: CloudControlStub) -> None:
    token = stub.client().list_resources(TypeName="AWS::Kinesis::Stream")["NextToken"]
    with pytest.raises(ClientError) as caught:
        stub.client().list_resources(
            TypeName="AWS::EKS::Nodegroup", ResourceModel='{"ClusterName":"blue"}', NextToken=token
        )
    assert _code(caught) == "InvalidRequestException"


@pytest.mark.parametrize(
    ("params", "why"),
    [
        ({}, "Missing required parameter"),  # TypeName is required in the model
        ({"TypeName": "AWS::Kinesis::Stream", "MaxResults": 500}, "above the maximum 100"),
        ({"TypeName": "Kinesis"}, "TypeName"),  # below the model's min length 10
        ({"TypeName": "AWS::Kinesis::Stream", "ResourceModel": ""}, "ResourceModel"),  # min length 1
        ({"TypeName": "AWS::Kinesis::Stream", "MaxResults": "ten"}, "Invalid type"),
    ],
)
def test_a_request_the_model_does_not_allow_is_refused(
    stub: CloudControlStub, params: dict[str, object], why: str
) -> None:
    client = stub.client(parameter_validation=False)  # so the malformed request reaches the wire
    with pytest.raises(ClientError) as caught:
        client.list_resources(**params)
    assert _code(caught) == "ValidationException"
    assert why in stub.refused[-1].message


def test_a_member_the_model_does_not_have_is_refused(stub: CloudControlStub) -> None:
    """botocore's serializer cannot even send an unknown member, so this one is handed to the stub directly."""
    headers = {
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": "CloudApiService.ListResources",
        "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/eu-west-1/cloudcontrolapi/aws4_request",
    }
    status, answer = stub.handle(headers, "/", b'{"TypeName": "AWS::Kinesis::Stream", "Filter": "x"}')
    assert (status, answer["__type"]) == (400, "ValidationException")
    assert "Unknown parameter" in answer["Message"]


def test_an_unsigned_request_is_refused(stub: CloudControlStub) -> None:
    request = urllib.request.Request(
        stub.url + "/",
        data=b'{"TypeName": "AWS::Kinesis::Stream"}',
        headers={"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "CloudApiService.ListResources"},
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=5)
    assert json.loads(caught.value.read())["__type"] == "InvalidCredentialsException"


def test_a_parent_type_without_resource_model_gets_the_error_aws_answers(stub: CloudControlStub) -> None:
    answer = next(a for a in recorded() if a["request"]["TypeName"] == "AWS::EKS::Nodegroup")
    with pytest.raises(ClientError) as caught:
        stub.client().list_resources(TypeName="AWS::EKS::Nodegroup")
    assert _code(caught) == answer["error"]["code"]
    assert caught.value.response["Error"]["Message"] == answer["error"]["message"]


def test_a_parent_type_lists_the_children_of_the_parent_given(stub: CloudControlStub) -> None:
    model = json.dumps({"RestApiId": "api1"})
    pages = (
        stub.client()
        .get_paginator("list_resources")
        .paginate(TypeName="AWS::ApiGateway::Resource", ResourceModel=model)
    )
    assert [d["Identifier"] for p in pages for d in p["ResourceDescriptions"]] == ["api1|r1", "api1|r2"]


def test_get_resource_by_composite_identifier(stub: CloudControlStub) -> None:
    got = stub.client().get_resource(TypeName="AWS::ApiGateway::Resource", Identifier="api2|r1")
    assert json.loads(got["ResourceDescription"]["Properties"]) == RESOURCES[2]
    with pytest.raises(ClientError) as caught:
        stub.client().get_resource(TypeName="AWS::ApiGateway::Resource", Identifier="api2|r9")
    assert _code(caught) == "ResourceNotFoundException"


def test_the_catalogue_identifier_of_a_stub_answer_is_the_identifier_cloud_control_returned(
    stub: CloudControlStub,
) -> None:
    """The catalogue (from the schemas) and the stub (declared by this test from the documented rule) agree."""
    page = stub.client().list_resources(TypeName="AWS::ApiGateway::Resource", ResourceModel='{"RestApiId": "api2"}')
    for description in page["ResourceDescriptions"]:
        model = json.loads(description["Properties"])
        assert cc.catalog().identifier("AWS::ApiGateway::Resource", model) == description["Identifier"]
    assert cc.catalog().type("AWS::ApiGateway::Resource").parents == (("RestApiId",),)


def test_throttling_is_retried_by_botocore_and_counted_on_the_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """Attempts are counted by the server (botocore's Stubber never reaches the retry loop); the backoff's sleeps
    are cut to zero, the attempt count is what is checked."""
    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0)
    peer = CloudControlStub()
    peer.seed("AWS::Kinesis::Stream", STREAMS[:1], identifier=["Name"])
    with peer.running():
        peer.throttle(2)
        client = peer.client(retries={"mode": "standard", "total_max_attempts": 3})
        assert client.list_resources(TypeName="AWS::Kinesis::Stream")["ResourceDescriptions"]
        assert peer.count("ListResources", "ThrottlingException") == 2
        assert peer.count("ListResources", "ok") == 1
        peer.throttle(1)
        with pytest.raises(ClientError) as caught:
            peer.client(retries={"mode": "standard", "total_max_attempts": 1}).list_resources(
                TypeName="AWS::Kinesis::Stream"
            )
        assert _code(caught) == "ThrottlingException"


# --- the catalogue against sources it is not generated from ----------------------------------------------------


@pytest.mark.parametrize(
    "answer", [a for a in recorded() if "response" in a], ids=lambda a: a["source"].rsplit("/", 1)[-1]
)
def test_catalogue_identifiers_match_recorded_cloud_control_answers(answer: dict[str, object]) -> None:
    response = answer["response"]
    assert isinstance(response, dict)
    descriptions = response.get("ResourceDescriptions") or [response["ResourceDescription"]]
    for description in descriptions:
        model = json.loads(description["Properties"])
        assert cc.catalog().identifier(response["TypeName"], model) == description["Identifier"]


def test_catalogue_parents_match_the_recorded_missing_parent_error() -> None:
    answer = next(a for a in recorded() if a["request"]["TypeName"] == "AWS::EKS::Nodegroup")
    info = cc.catalog().type("AWS::EKS::Nodegroup")
    assert info.parents == (("ClusterName",),)
    assert "required key [ClusterName]" in answer["error"]["message"]


def test_every_catalogue_token_is_a_resource_pulumi_aws_native_registers() -> None:
    registered = native_token_classes()
    tokens = {t.name: t.token for t in cc.catalog() if t.token}
    unknown = {name: token for name, token in tokens.items() if token not in registered}
    assert not unknown, unknown
    assert len(set(tokens.values())) == len(tokens), "two CloudFormation types share a token"


# Pairs where the aws-native token is not the CloudFormation name in another case: reviewed by hand against
# pulumi-aws-native's class docstrings (Config is the module "configuration"; *Resource avoids a clash with an
# output type of the same name).
RENAMED = {
    "AWS::MediaConnect::RouterOutput": "aws-native:mediaconnect:RouterOutputResource",
    "AWS::MediaConnect::BridgeOutput": "aws-native:mediaconnect:BridgeOutputResource",
}


def test_tokens_differ_from_the_cloudformation_name_only_where_reviewed() -> None:
    odd = {}
    for info in cc.catalog():
        if not info.token:
            continue
        _, module, name = info.token.split(":")
        _, service, type_name = info.name.split("::")
        if info.service == "Config" and module == "configuration" and name.lower() == type_name.lower():
            continue
        if (module, name.lower()) != (service.lower(), type_name.lower()):
            odd[info.name] = info.token
    assert odd == RENAMED
