"""failsafe_guardrails.buckets, the one place that tells which bucket of the stack a resource configures: by bucket
name, by resource name, by S3 ARN, or by property dependency when the name is unknown at preview."""

from __future__ import annotations

from tests.support.pack import UNKNOWN, resource

# isort: split
from failsafe_guardrails.buckets import BUCKET_TYPES, Buckets

BUCKET, BUCKET_V2 = BUCKET_TYPES
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"


def test_a_resource_targets_the_bucket_its_input_names() -> None:
    data = resource(BUCKET, "data", {"bucket": "data-bucket"})
    other = resource(BUCKET_V2, "other", {"bucket": "other-bucket"})
    v = resource(VERSIONING, "v", {"bucket": "data-bucket"})
    buckets = Buckets([data, other, v])
    assert buckets.targeted_by(v) == [data]
    assert list(buckets.targets([VERSIONING])) == [(v, data)]


def test_a_bucket_is_also_found_by_its_resource_name() -> None:
    data = resource(BUCKET, "data", {"bucket": "data-bucket"})
    assert Buckets([data]).named("data") == [data] == Buckets([data]).named("data-bucket")


def test_an_unknown_bucket_name_links_through_the_property_dependency() -> None:
    data = resource(BUCKET, "data", {"bucket": UNKNOWN})
    v = resource(VERSIONING, "v", {"bucket": UNKNOWN}, deps={"bucket": [data]})
    assert Buckets([data, v]).targeted_by(v) == [data]


def test_a_name_that_is_no_bucket_of_the_stack_falls_back_to_the_property_dependency() -> None:
    data = resource(BUCKET, "data", {"bucket": "data-bucket"})
    v = resource(VERSIONING, "v", {"bucket": ""}, deps={"bucket": [data]})
    assert Buckets([data, v]).targeted_by(v) == [data]


def test_a_dependency_on_something_that_is_not_a_bucket_targets_nothing() -> None:
    key = resource("aws:kms/key:Key", "key", {})
    v = resource(VERSIONING, "v", {"bucket": UNKNOWN}, deps={"bucket": [key]})
    assert Buckets([key, v]).targeted_by(v) == []


def test_a_dependency_outside_the_stack_targets_nothing() -> None:
    elsewhere = resource(BUCKET, "elsewhere", {"bucket": "x"})
    v = resource(VERSIONING, "v", {"bucket": UNKNOWN}, deps={"bucket": [elsewhere]})
    assert Buckets([v]).targeted_by(v) == []


def test_s3_arns_name_buckets_and_other_values_do_not() -> None:
    replica = resource(BUCKET_V2, "replica", {"bucket": "rep"})
    buckets = Buckets([replica])
    assert buckets.in_arn("arn:aws:s3:::rep") == [replica]
    assert buckets.in_arn("arn:aws-us-gov:s3:::rep") == [replica]
    assert buckets.in_arn("rep") == [] and buckets.in_arn(UNKNOWN) == [] and buckets.in_arn(None) == []
