"""The generic inventory in a capture run: a stubbed account holding one resource of every listable type of the
catalogue (Cloud Control peer of tests/support/cloudcontrol.py, every request checked against botocore's model).
Each resource must come out as one aws-native import entry with its primary identifier, or its type as one
uncapturable line with the reason; names unique against a target stack that already holds the same names; a run
past its budget leaves a cursor the next run completes from; verify's ``capture_complete`` says so."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import jsonschema
import pytest

from failsafe.ops.capture import generic, matching, reading
from failsafe.ops.capture import run as running
from failsafe.ops.capture.store import Store
from failsafe.ops.cloudcontrol_catalog import TYPES_FILE as CATALOG_FILE
from failsafe.ops.cloudcontrol_catalog import Catalog, catalog
from tests.support.cloudcontrol import CloudControlStub, native_token_classes
from tests.support.pulumi_import import IMPORT_FILE_SCHEMA

ACCOUNT = "111111111111"
REGION = "eu-west-1"
T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
NATIVE_TYPE = re.compile(r"^aws-native:[a-z0-9]+:[A-Z][A-Za-z0-9]*$")


class MemoryStore(Store):
    """The archive bucket in memory, new keys only, as :class:`Store` promises (no moto: the generic path calls
    only Cloud Control, and a moto server per test would dominate these tests' time)."""

    def __init__(self) -> None:
        super().__init__(None, "example-archive")
        self.objects: dict[str, bytes] = {}

    def put(self, key: str, data: bytes, content_type: str = "application/json") -> str:
        assert key not in self.objects, f"{key} written twice"
        self.objects[key] = data
        return key

    def get_json(self, key: str) -> Any:
        return json.loads(self.objects[key])

    def listing(self, prefix: str, delimiter: str | None = None) -> tuple[list[str], list[str]]:
        keys = sorted(k for k in self.objects if k.startswith(prefix))
        if not delimiter:
            return keys, []
        prefixes = sorted(
            {prefix + k[len(prefix) :].split(delimiter)[0] + delimiter for k in keys if delimiter in k[len(prefix) :]}
        )
        return [k for k in keys if delimiter not in k[len(prefix) :]], prefixes


def value_of(prop: str) -> str:
    return f"v-{prop.lower()}"


def seed_every_type(stub: CloudControlStub, cat: Catalog, regions: list[str]) -> dict[str, dict[str, Any]]:
    """One resource of every type the plan lists, and of the types that only give them parent values, parents
    first: a child's parent keys hold its parent's actual values (so the parent's listing leads to it)."""
    listings, _ = cat.plan(regions)
    wanted = {x.type.name for x in listings}
    wanted |= {s.type for x in listings for s in x.type.parent_types}
    models: dict[str, dict[str, Any]] = {}

    def seed(name: str, path: frozenset[str]) -> None:
        if name in models or name in path:
            return
        info = cat.type(name)
        model: dict[str, Any] = {}
        for ident in info.primary_identifier:
            node = model
            parts = ident.split("/")[2:]
            for part in parts[:-1]:
                node = node.setdefault(part, {})
            node[parts[-1]] = value_of(parts[-1])
        for source in reversed(info.parent_types):  # the first alternative's values win
            seed(source.type, path | {name})
            parent = models.get(source.type)
            if parent is None:
                continue
            for key, prop in source.fields.items():
                model[key] = parent.setdefault(prop, value_of(prop))
        models[name] = model

    for name in sorted(wanted):
        seed(name, frozenset())
    for name, model in models.items():
        info = cat.type(name)
        top = [p.split("/")[2] for p in info.primary_identifier]
        stub.seed(name, [model], identifier=top, parents=[list(a) for a in info.parents])
    return models


def target() -> running.Target:
    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)
    return running.Target(session, account=ACCOUNT)


def export_with(names: list[str]) -> dict[str, Any]:
    base = "urn:pulumi:prod::failsafe"
    resources = [
        {"urn": f"{base}::aws-native:logs:LogGroup::{n}", "type": "aws-native:logs:LogGroup", "id": n} for n in names
    ]
    return {"deployment": {"resources": resources}}


def capture(
    stub: CloudControlStub, store: Store, managed: matching.Managed, now: datetime, **settings: Any
) -> running.AccountRun:
    values: dict[str, Any] = {"regions": (REGION,), "services": ("sqs",), "stacks": ("prod",), "rate": None}
    values["cloudcontrol"] = True
    values.update(settings)
    clock = {"now": 0.0}
    pacer = running.Pacer(None, clock=lambda: clock["now"], sleep=lambda s: None)
    budget = running.Budget(values.pop("budget_seconds", 3600.0), lambda: clock["now"])
    cat = values.pop("catalog", None)
    run_settings = running.Settings(**values)

    def tick(**_: Any) -> None:
        clock["now"] += 0.01  # every request costs 10 ms of the fake clock, so a budget can run out

    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(running.COLLECTORS, "sqs", lambda ctx, region: running.Collected())
        session = target().session
        session.events.register("before-send.cloudcontrol", tick)
        if cat is not None:
            patch.setattr(running, "catalog", lambda: cat)
        account = running.Target(session, account=ACCOUNT)
        return running.capture_account(
            account, run_settings, store, managed, now, pacer, budget, pacer.clock, lambda _: None
        )


@pytest.fixture(scope="module")
def estate() -> Iterator[dict[str, Any]]:
    cat = catalog()
    stub = CloudControlStub(page_size=100)
    models = seed_every_type(stub, cat, [REGION])
    with stub.running(), pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ENDPOINT_URL_CLOUDCONTROL", stub.url)
        store = MemoryStore()
        managed = matching.Managed()
        taken = ["loggroup-v-loggroupname-eu-west-1"]  # what the LogGroup's import name would be
        managed.add_export("prod", export_with(taken))
        result = capture(stub, store, managed, T0)
        yield {"stub": stub, "store": store, "models": models, "result": result, "cat": cat, "taken": taken}


def generic_result(run: running.AccountRun) -> running.ServiceResult:
    return next(s for s in run.services if s.service == running.GENERIC)


def test_every_listable_type_yields_an_import_entry_with_its_primary_identifier_or_an_uncapturable_line(
    estate: dict[str, Any],
) -> None:
    cat, store, result = estate["cat"], estate["store"], estate["result"]
    gen = generic_result(result)
    assert gen.status == "complete", gen.error
    document = store.get_json(gen.import_key)
    inventory = store.get_json(f"{gen.prefix}inventory.json")
    schema = copy.deepcopy(IMPORT_FILE_SCHEMA)  # aws-native tokens have no file part: pkg:module:Type
    schema["properties"]["resources"]["items"]["properties"]["type"]["pattern"] = NATIVE_TYPE.pattern
    jsonschema.validate(document, schema)
    tokens = native_token_classes()
    by_token = {}
    for entry in document["resources"]:
        assert NATIVE_TYPE.match(entry["type"]) and entry["type"] in tokens, entry
        by_token.setdefault(entry["type"], []).append(entry)
    by_type: dict[str, list[dict[str, Any]]] = {}
    for resource in inventory["resources"]:
        by_type.setdefault(resource["type"], []).append(resource)
    imported_types = set(by_type)
    uncapturable = {u["type"]: u["reason"] for u in inventory["uncapturable"]}
    for info in cat.listable_in(REGION):
        if info.classic or info.classic_overlap:
            continue  # the classic collectors' (test_capture.py)
        if info.name in uncapturable:
            assert uncapturable[info.name] in ("aws-native lacks the type", "parent type unknown"), info.name
            continue
        assert info.name in imported_types, f"{info.name}: neither imported nor listed as uncapturable"
        (entry,) = by_type[info.name]
        parts = entry["identifier"].split("|")
        assert len(parts) == len(info.primary_identifier), (info.name, entry["identifier"])
        expected = [f"v-{p.rsplit('/', 1)[-1].lower()}" for p in info.primary_identifier]
        model = estate["models"][info.name]
        for part, path, plain in zip(parts, info.primary_identifier, expected, strict=True):
            key = path.split("/")[2]
            assert part in (plain, str(model.get(key))), (info.name, path, part)
    assert len(document["resources"]) == len(inventory["resources"]), "one import entry per unmanaged resource"


def test_coverage_reaches_the_goal_and_skips_only_with_accepted_or_stated_reasons(estate: dict[str, Any]) -> None:
    gen = generic_result(estate["result"])
    listed = sum(row["types_listed"] for row in gen.coverage.values())
    listable = estate["cat"].listable_in(REGION)
    classic = [t for t in listable if t.classic]
    assert len(listed_or_classic := range(listed + len(classic))) >= 0.9 * len(listable), (
        f"{len(listed_or_classic)} of {len(listable)} listable types covered in {REGION}"
    )
    reasons = {r for row in gen.coverage.values() for r in row["skipped"]}
    assert reasons <= {
        "no list handler",
        "not in the region",
        "aws-native lacks the type",
        "parent type unknown",
        "captured by the classic pulumi-aws collector",
        "captured inside a classic pulumi-aws resource",
    }, reasons


def test_children_are_listed_once_per_parent_with_the_parents_values(estate: dict[str, Any]) -> None:
    stub: CloudControlStub = estate["stub"]
    sent = [
        r.params
        for r in stub.requests
        if r.operation == "ListResources" and r.params.get("TypeName") == "AWS::EKS::Nodegroup"
    ]
    assert [json.loads(p["ResourceModel"]) for p in sent] == [{"ClusterName": "v-name"}], sent
    assert not stub.refused, stub.refused[:3]


def test_import_names_are_unique_and_never_a_name_the_target_stack_holds(estate: dict[str, Any]) -> None:
    gen = generic_result(estate["result"])
    document = estate["store"].get_json(gen.import_key)
    names = [r["name"] for r in document["resources"]]
    assert len(names) == len(set(names)), "names repeat within the file"
    assert not set(names) & set(estate["taken"]), "a name equal to a URN name of the target stack"
    log_group = next(r for r in document["resources"] if r["type"] == "aws-native:logs:LogGroup")
    assert log_group["name"].startswith("loggroup-v-loggroupname-eu-west-1-"), log_group


def test_import_names_are_stable_from_one_run_to_the_next_whatever_the_order() -> None:
    items = [
        generic.NativeFound("AWS::SQS::Queue", "aws-native:sqs:Queue", url, REGION, {}, [])
        for url in ("https://q/a", "https://q/b", "https://other/a")
    ]
    first = generic.unique_names(items, {"queue-a-eu-west-1"})
    again = generic.unique_names(list(reversed(items)), {"queue-a-eu-west-1"})
    assert first == again
    assert len(set(first.values())) == 3 and "queue-a-eu-west-1" not in first.values()


def test_entries_name_an_aws_native_provider_pinned_to_the_account_and_region(estate: dict[str, Any]) -> None:
    gen = generic_result(estate["result"])
    document = estate["store"].get_json(gen.import_key)
    providers = estate["store"].get_json(f"{gen.prefix}providers.json")
    assert set(document["nameTable"]) == {p["name"] for p in providers.values()}
    for region, provider in providers.items():
        assert provider["allowedAccountIds"] == [ACCOUNT] and provider["region"] == region
        assert document["nameTable"][provider["name"]] == provider["urn"]
        assert provider["urn"].startswith("urn:pulumi:prod::failsafe::pulumi:providers:aws-native::")
    assert {r["provider"] for r in document["resources"]} <= set(document["nameTable"])


def test_secret_bearing_and_write_only_properties_never_reach_the_capture() -> None:
    cat = catalog()
    stub = CloudControlStub(page_size=100)
    arn = f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/app:1"
    container = {"Name": "app", "Image": "app:1", "Environment": [{"Name": "DB_PASSWORD", "Value": "do-not-capture"}]}
    model = {"TaskDefinitionArn": arn, "Family": "app", "ContainerDefinitions": [container]}
    stub.seed("AWS::ECS::TaskDefinition", [model], identifier=["TaskDefinitionArn"])
    listing = next(x for x in cat.plan([REGION])[0] if x.type.name == "AWS::ECS::TaskDefinition")
    with stub.running():
        lister = generic.Lister(
            None, cat, running.Budget(60), lambda: running.Pacer(None), client_factory=lambda _: stub.client()
        )
        (item,) = lister._list(listing, {})
    assert "do-not-capture" not in json.dumps(item.as_dict()), item
    assert item.left_out == ["/properties/ContainerDefinitions/0/Environment"], "the capture says what it left out"
    assert item.properties["ContainerDefinitions"][0]["Image"] == "app:1" and item.identifier == arn


def small_catalog(names: list[str]) -> Catalog:
    """The committed catalogue cut down to ``names``: the same facts, fewer listings, a fast test."""
    document = json.loads(CATALOG_FILE.read_text(encoding="utf-8"))
    document["types"] = {n: document["types"][n] for n in names}
    return Catalog(document)


RESUME_TYPES = [
    "AWS::Kinesis::Stream",
    "AWS::EKS::Cluster",
    "AWS::EKS::Nodegroup",
    "AWS::Logs::LogGroup",
    "AWS::SNS::Topic",
    "AWS::ECR::Repository",
]


def test_a_run_past_its_budget_is_incomplete_and_the_next_run_completes_from_its_cursor() -> None:
    cat = small_catalog(RESUME_TYPES)
    stub = CloudControlStub(page_size=2)
    models = seed_every_type(stub, cat, [REGION])
    for name in ("AWS::Kinesis::Stream", "AWS::Logs::LogGroup"):  # several pages each
        info = cat.type(name)
        key = info.primary_identifier[0].split("/")[2]
        stub.seed(name, [{key: f"{key}-{i}"} for i in range(5)], identifier=[key])
    store = MemoryStore()
    managed = matching.Managed()
    with stub.running(), pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ENDPOINT_URL_CLOUDCONTROL", stub.url)
        first = capture(stub, store, managed, T0, budget_seconds=0.035, catalog=cat)
        assert not first.complete and generic_result(first).cursor_key, generic_result(first)
        incomplete = reading.capture_complete(store)[ACCOUNT]
        before = stub.count("ListResources")
        second = capture(stub, store, managed, T0 + timedelta(hours=1), catalog=cat)
        calls = stub.count("ListResources") - before
        full = capture(stub, MemoryStore(), managed, T0, catalog=cat)
    gen = generic_result(second)
    assert incomplete and "not finished" in incomplete[0], "verify is told the capture is incomplete, and why"
    assert second.complete and gen.resumed_from == generic_result(first).cursor_key, gen.error
    assert gen.resources == generic_result(full).resources == len(models) + 10, "the resumed run holds every resource"
    assert calls < generic_result(full).calls, "the listings done before are not made again"
    assert reading.capture_complete(store) == {ACCOUNT: []}


def test_throttling_is_retried_by_botocore_and_a_denied_type_leaves_the_capture_incomplete(backoff: Any) -> None:
    cat = small_catalog(RESUME_TYPES)
    stub = CloudControlStub(page_size=100)
    seed_every_type(stub, cat, [REGION])
    with stub.running(), pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ENDPOINT_URL_CLOUDCONTROL", stub.url)
        stub.throttle(2)
        retried = capture(stub, MemoryStore(), matching.Managed(), T0, catalog=cat)
        stub.denied.add("AWS::ECR::Repository")
        store = MemoryStore()
        denied = capture(stub, store, matching.Managed(), T0, catalog=cat)
    assert retried.complete and generic_result(retried).throttled == 2, generic_result(retried)
    assert len(backoff.delays) == 2, "two retries, by botocore's standard mode (the plumbing's one mechanism)"
    gen = generic_result(denied)
    assert not denied.complete and gen.status == "failed" and "1 access denied" in (gen.error or ""), gen.error
    manifest = store.get_json(f"{gen.prefix}manifest.json")
    (problem,) = manifest["problems"]
    assert problem.startswith("AWS::ECR::Repository@eu-west-1: failed: ") and "AccessDenied" in problem, problem
    assert reading.capture_complete(store)[ACCOUNT], "verify fails until a later run completes it"


def test_a_region_the_catalogue_does_not_know_is_one_line_naming_the_flag() -> None:
    settings = running.Settings(regions=("eu-west-9",), cloudcontrol=True)
    with pytest.raises(running.CaptureError, match=r"^--regions: region 'eu-west-9': not one cfn-lint ships schemas"):
        settings.check()
    running.Settings(regions=("eu-west-9",)).check()  # the classic collectors need no catalogue
