"""Everything AWS will refuse is refused first, naming the config key: every derived name against its AWS limit and
pattern (botocore's models; S3's documented rules), the metrics region, every pair of accounts that must differ."""

from __future__ import annotations

import pytest

from failsafe.settings import awsnames, stackfiles
from failsafe.settings.config import ConfigError, load_mapping
from tests.support.plans import cached_plan, config_of

# resource type -> the input holding its physical name
NAMED_TYPES = {
    "aws:s3/bucket:Bucket": "bucket",
    "aws:iam/role:Role": "name",
    "aws:iam/policy:Policy": "name",
    "aws:kms/alias:Alias": "name",
    "aws:sns/topic:Topic": "name",
    "aws:sqs/queue:Queue": "name",
    "aws:lambda/function:Function": "name",
    "aws:backup/vault:Vault": "name",
    "aws:cloudwatch/metricAlarm:MetricAlarm": "name",
    "aws:cloudwatch/eventRule:EventRule": "name",
    "aws:cloudwatch/logGroup:LogGroup": "name",
    "aws:ecr/repository:Repository": "name",
}


def values(stack: str) -> dict[str, str]:
    return stackfiles.unnamespaced(stackfiles.raw_config(stack))


@pytest.mark.parametrize("stack", ["prod", "dr", "pr-42"])
def test_every_physical_name_the_stack_creates_is_a_checked_derived_name(stack):
    """The list awsnames checks is the list the components create: a new named resource fails this test until its
    name is derived (and so checked) in failsafe/settings/awsnames.py."""
    derived = {d.name for d in awsnames.derived_names(config_of(stack))}
    plan = cached_plan(stack)
    created = {
        r.inputs[field]
        for r in plan.resources
        for t, field in NAMED_TYPES.items()
        if r.type == t and isinstance(r.inputs.get(field), str)
    }
    unchecked = sorted(created - derived)
    assert not unchecked, f"{stack} creates names that config does not check against AWS limits: {unchecked}"


@pytest.mark.parametrize("stack", ["prod", "dr", "pr-42"])
def test_the_real_stacks_derive_only_valid_names(stack):
    problems = [(d.name, d.problem()) for d in awsnames.derived_names(config_of(stack)) if d.problem()]
    assert not problems


def test_name_rules_come_from_the_botocore_models():
    rules = awsnames.rules()
    assert (rules["iam-role"].low, rules["iam-role"].high) == (1, 64)
    assert rules["iam-role"].source == "botocore iam roleNameType"
    assert (rules["backup-vault"].low, rules["backup-vault"].high) == (2, 50)
    assert rules["events-rule"].high == 64 and rules["alarm"].high == 255


# (stack, overrides, key named, text in the message)
TOO_LONG_OR_INVALID = [
    ("prod", {"bucketNamePrefix": "a" * 45}, "bucketNamePrefix", "S3 bucket name"),
    ("prod", {"bucketNamePrefix": "xn--estate"}, "bucketNamePrefix", "reserved prefix 'xn--'"),
    ("prod", {"protectedBuckets": '["a-very-long-logical-bucket-name-indeed"]'}, "bucketNamePrefix", "S3 allows 3-63"),
    ("prod", {"replicationRoleName": "r" * 58}, "replicationRoleName", "IAM role name"),
    ("prod", {"replicationRoleName": "role/with/slash"}, "replicationRoleName", "an IAM role name"),
    ("dr", {"deployRoleName": "d" * 65}, "deployRoleName", "IAM role name"),
    ("prod", {"dnsRecordName": ("a" * 57 + ".") * 4 + "example.com"}, "namePrefix", "CloudWatch alarm name"),
]


@pytest.mark.parametrize(
    ("stack", "overrides", "key", "expected"), TOO_LONG_OR_INVALID, ids=[c[2] for c in TOO_LONG_OR_INVALID]
)
def test_a_derived_name_aws_would_refuse_is_refused_naming_the_key(stack, overrides, key, expected):
    with pytest.raises(ConfigError) as caught:
        load_mapping(stack, {**values(stack), **overrides})
    message = str(caught.value)
    assert f"failsafe:{key}" in message and expected in message, message
    assert "\n" not in message


def test_s3_bucket_rules_follow_the_s3_user_guide():
    problem = awsnames.s3_bucket_problem
    assert problem("example-failsafe-assets-eu-west-1") is None
    for bad in ("ab", "a" * 64, "Upper-case", "two..dots", "192.168.1.10", "ends-", "x--ol-s3", "sthree-x"):
        assert problem(bad) is not None, bad


@pytest.mark.parametrize(
    ("overrides", "key", "other"),
    [
        ({"backupAccountId": "111111111111"}, "backupAccountId", "prodAccountId"),
        ({"backupAccountId": "444444444444"}, "backupAccountId", "previewAccountId"),
        ({"identityAccountId": "222222222222"}, "backupAccountId", "identityAccountId"),
        ({"dnsAccountId": "222222222222"}, "backupAccountId", "dnsAccountId"),
        ({"identityAccountId": "111111111111"}, "identityAccountId", "prodAccountId"),
        ({"identityAccountId": "444444444444"}, "identityAccountId", "previewAccountId"),
        ({"dnsAccountId": "444444444444"}, "dnsAccountId", "previewAccountId"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_every_pair_of_accounts_that_must_differ_is_compared(overrides, key, other):
    with pytest.raises(ConfigError) as caught:
        load_mapping("dr", {**values("dr"), **overrides})
    message = str(caught.value)
    assert f"failsafe:{key}" in message and f"an account other than {other}" in message, message


def test_the_dns_account_may_be_the_production_account():
    assert load_mapping("prod", {**values("prod"), "dnsAccountId": "111111111111"}).accounts.dns == "111111111111"


@pytest.mark.parametrize("stack", ["dr", "pr-42"])
def test_a_metrics_region_other_than_us_east_1_is_refused_on_every_stack(stack):
    with pytest.raises(ConfigError, match=r"failsafe:metricsRegion = 'eu-west-2': expected us-east-1"):
        load_mapping(stack, {**values(stack), "metricsRegion": "eu-west-2"})


def test_route53_health_checker_regions_come_from_the_model():
    regions = awsnames.route53_health_check_regions()
    assert "us-east-1" in regions and "eu-west-1" in regions and "eu-central-1" not in regions
    assert awsnames.health_check_regions_problem(("us-east-1", "eu-west-1", "ap-southeast-1")) is None
    problem = awsnames.health_check_regions_problem(("us-east-1", "eu-west-1", "eu-central-1"))
    assert "eu-central-1 is not one" in problem


@pytest.mark.parametrize("address", ["10.0.0.1", "192.168.1.1", "172.16.0.5", "127.0.0.1", "169.254.1.1", "192.0.2.1"])
def test_private_and_reserved_addresses_are_not_failover_targets(address):
    assert "not a public address" in awsnames.public_address_problem(address)


def test_a_public_address_is_a_failover_target():
    assert awsnames.public_address_problem("8.8.8.8") is None


@pytest.mark.parametrize("key", ["adoptBuckets", "sourceBucketNames"])
def test_a_bucket_name_written_in_config_is_blamed_on_the_key_that_holds_it(key):
    """An adopted or rebuilt bucket's name is written whole in its key; bucketNamePrefix plays no part in it, so the
    message names the key the person must edit (S3 User Guide, "General purpose bucket naming rules": 'xn--')."""
    raw = values("prod")
    bucket = load_mapping("prod", raw).protected_buckets[0]
    key_arn = f"arn:aws:kms:{raw['primaryRegion']}:{raw['prodAccountId']}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    entry = f"{bucket}=xn--adopted" + (f"@{key_arn}" if key == "adoptBuckets" else "")
    with pytest.raises(ConfigError) as caught:
        load_mapping("prod", {**raw, key: f'["{entry}"]'})
    message = str(caught.value)
    assert f"failsafe:{key}" in message and "reserved prefix 'xn--'" in message, message
    assert "bucketNamePrefix" not in message, message
