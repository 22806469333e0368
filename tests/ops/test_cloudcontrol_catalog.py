"""failsafe.ops.cloudcontrol_catalog: what the generic capture lists where, identifiers, secrets left out, the policy.

Inputs are the committed catalogue (its own generator test proves it is what the pinned packages give); each test
states the rule it checks and where the rule comes from.
"""

from __future__ import annotations

import json
import re

import pytest

from failsafe.ops import cloudcontrol_catalog as cc
from failsafe.ops.cloudcontrol_catalog import Catalog, CatalogError


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return cc.catalog()


def _listing(catalog: Catalog, regions: list[str]) -> dict[str, list[tuple[str, bool]]]:
    listings, _ = catalog.plan(regions)
    out: dict[str, list[tuple[str, bool]]] = {}
    for listing in listings:
        out.setdefault(listing.type.name, []).append((listing.region, listing.once_per_account))
    return out


def test_listable_in_a_region_counts_the_schemas_list_handlers(catalog: Catalog) -> None:
    """cfn-lint 1.58.0's us-east-1 schemas: 1,666 types with a list handler (issue 26, FACTS.md)."""
    listable = catalog.listable_in("us-east-1")
    assert len(listable) == 1666
    assert sum(1 for t in listable if t.needs_parent) == 388


def test_a_regional_type_is_listed_in_every_captured_region(catalog: Catalog) -> None:
    listed = _listing(catalog, ["eu-west-1", "eu-central-1"])
    assert listed["AWS::Logs::LogGroup"] == [("eu-west-1", False), ("eu-central-1", False)]


@pytest.mark.parametrize(
    ("type_name", "home"),
    [
        ("AWS::IAM::User", "us-east-1"),  # botocore endpoints.json: iam partitionEndpoint aws-global, us-east-1
        ("AWS::CloudFront::Distribution", "us-east-1"),
        ("AWS::NetworkManager::GlobalNetwork", "us-west-2"),  # networkmanager's credential scope
        ("AWS::GlobalAccelerator::Accelerator", "us-west-2"),  # whitepaper, Global services
    ],
)
def test_a_global_type_is_listed_once_in_its_home_region_even_if_that_region_is_not_captured(
    catalog: Catalog, type_name: str, home: str
) -> None:
    listed = _listing(catalog, ["eu-west-1", "eu-central-1"])
    assert listed[type_name] == [(home, True)]


def test_an_account_wide_listing_is_made_once_in_the_first_region(catalog: Catalog) -> None:
    info = catalog.type("AWS::S3::Bucket")
    assert info.account_wide_list and "every region" in info.account_wide_list
    assert info.classic  # and the classic collector has it, so the generic path skips it anyway


def test_chime_types_are_regional_because_the_chime_prefix_is_global_and_regional(catalog: Catalog) -> None:
    assert catalog.type("AWS::Chime::AppInstance").global_home == {}


@pytest.mark.parametrize(
    ("type_name", "reason"),
    [
        ("AWS::CodeBuild::Project", cc.NO_LIST_HANDLER),
        ("AWS::Lambda::Function", cc.CLASSIC),
        ("AWS::EC2::SecurityGroupIngress", cc.CLASSIC_INSIDE),
        ("AWS::KMS::ReplicaKey", cc.CLASSIC_INSIDE),
    ],
)
def test_skipped_types_say_why(catalog: Catalog, type_name: str, reason: str) -> None:
    skip = catalog.skip_reason(catalog.type(type_name), "eu-west-1")
    assert skip is not None and skip.reason == reason


def test_a_type_the_region_lacks_is_skipped_as_not_in_the_region(catalog: Catalog) -> None:
    absent = next(t for t in catalog if t.listable and "eu-west-1" not in t.regions and "us-east-1" in t.regions)
    skip = catalog.skip_reason(absent, "eu-west-1")
    assert skip is not None and skip.reason == cc.NOT_IN_REGION


def test_no_type_is_listed_by_the_generic_path_and_a_classic_collector(catalog: Catalog) -> None:
    """Issue 26 item 2: no resource appears twice. Every CloudFormation type of the classic collectors' 22
    pulumi-aws types (failsafe/ops/capture.py T_*) is skipped by the generic path."""
    classic = {"AWS::" + t for t in ("S3::Bucket", "S3::BucketPolicy", "IAM::Role", "IAM::RolePolicy")}
    classic |= {"AWS::" + t for t in ("IAM::ManagedPolicy", "Lambda::Function", "KMS::Key", "KMS::Alias")}
    classic |= {"AWS::" + t for t in ("SNS::Topic", "SQS::Queue", "DynamoDB::Table", "RDS::DBInstance")}
    classic |= {"AWS::" + t for t in ("RDS::DBCluster", "EC2::SecurityGroup", "Route53::HostedZone")}
    classic |= {"AWS::Route53::RecordSet", "AWS::SSM::Parameter"}
    listed = set(_listing(catalog, ["us-east-1", "eu-west-1"]))
    assert not classic & listed
    tokens = [t for name in classic for t in catalog.type(name).classic]
    assert len(tokens) == 22 and len(set(tokens)) == 22


def test_every_listed_type_has_an_aws_native_token(catalog: Catalog) -> None:
    listings, skipped = catalog.plan(["us-east-1"])
    assert all(re.fullmatch(r"aws-native:[a-z0-9]+:[A-Za-z0-9]+", listing.type.token or "") for listing in listings)
    assert any(s.reason == cc.NO_TOKEN for s in skipped)


def test_identifier_joins_the_primary_identifier_in_schema_order(catalog: Catalog) -> None:
    """Cloud Control API User Guide, 'Identifying resources': compound identifiers list the property values in the
    order of the primary identifier definition, separated by |."""
    info = catalog.type("AWS::ApiGateway::Resource")
    assert info.primary_identifier == ("/properties/RestApiId", "/properties/ResourceId")
    model = {"ResourceId": "abc123", "RestApiId": "api42", "PathPart": "pets"}
    assert catalog.identifier("AWS::ApiGateway::Resource", model) == "api42|abc123"


def test_identifier_reads_nested_identifier_paths(catalog: Catalog) -> None:
    assert catalog.identifier("AWS::S3::StorageLens", {"StorageLensConfiguration": {"Id": "lens-1"}}) == "lens-1"


def test_identifier_of_a_model_without_it_is_one_clear_line(catalog: Catalog) -> None:
    with pytest.raises(CatalogError, match=r"^AWS::ApiGateway::Resource: resource model has no /properties/ResourceId"):
        catalog.identifier("AWS::ApiGateway::Resource", {"RestApiId": "api42"})


def test_parent_models_offer_each_satisfied_alternative(catalog: Catalog) -> None:
    name = "AWS::DirectConnect::DirectConnectGatewayAssociation"  # list handler: oneOf two parents
    models = catalog.parent_models(name, {"DirectConnectGatewayId": "dx-1", "Other": "x"})
    assert models == [{"DirectConnectGatewayId": "dx-1"}]
    with pytest.raises(CatalogError, match="do not give AssociatedGatewayId or DirectConnectGatewayId"):
        catalog.parent_models(name, {"Nope": 1})


def test_strip_secrets_drops_denylisted_and_write_only_properties_and_says_which(catalog: Catalog) -> None:
    model = {
        "Family": "web",
        "ContainerDefinitions": [
            {"Name": "app", "Environment": [{"Name": "DB_PASSWORD", "Value": "hunter2"}], "Secrets": [{"Name": "K"}]},
            {"Name": "sidecar"},
            {"Name": "log", "Environment": []},
        ],
    }
    clean, removed = catalog.strip_secrets("AWS::ECS::TaskDefinition", model)
    assert "hunter2" not in json.dumps(clean)
    assert clean["ContainerDefinitions"][0]["Secrets"] == [{"Name": "K"}]  # references stay
    assert removed == [
        "/properties/ContainerDefinitions/0/Environment",
        "/properties/ContainerDefinitions/2/Environment",
    ]
    assert model["ContainerDefinitions"][0]["Environment"]  # the caller's model is untouched


def test_strip_secrets_of_a_lambda_function_drops_its_environment_and_code(catalog: Catalog) -> None:
    model = {"FunctionName": "f", "Environment": {"Variables": {"TOKEN": "x"}}, "Code": {"ZipFile": "print(1)"}}
    clean, removed = catalog.strip_secrets("AWS::Lambda::Function", model)
    assert clean == {"FunctionName": "f", "Code": {}}
    assert removed == ["/properties/Code/ZipFile", "/properties/Environment"]


def test_coverage_counts_per_service_add_up(catalog: Catalog) -> None:
    coverage = catalog.coverage(["us-east-1"])
    assert sum(row["types"] for row in coverage.values()) == len(catalog)
    ec2 = coverage["EC2"]
    assert ec2["listed"] <= ec2["listable"] <= ec2["types"]
    assert ec2.get(cc.NO_LIST_HANDLER, 0) == ec2["types"] - ec2["listable"]


def test_readonly_policies_are_the_generated_documents(catalog: Catalog) -> None:
    documents = cc.readonly_policies()
    assert documents and all(d["Version"] == "2012-10-17" for d in documents)
    assert documents[0]["Statement"][0]["Effect"] == "Deny"
    assert catalog.excluded_actions()["secretsmanager:GetSecretValue"] == "returns a secret's value"


def test_an_unknown_region_or_type_is_one_clear_line(catalog: Catalog) -> None:
    with pytest.raises(CatalogError, match=r"^region 'mars-north-1': not one cfn-lint ships schemas for"):
        catalog.plan(["mars-north-1"])
    with pytest.raises(CatalogError, match=r"^resource type 'AWS::Nope::Nope': not in the catalogue"):
        catalog.type("AWS::Nope::Nope")


def test_a_catalogue_of_another_format_is_refused() -> None:
    with pytest.raises(CatalogError, match="catalogue format 2: this failsafe reads format 1"):
        Catalog({"format": 2})
