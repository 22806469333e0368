"""Run the real Pulumi program under Pulumi's mock runtime and record everything it declares.

This is the credential-free half of ``pulumi preview``: the program (``__main__.py``) runs unchanged,
reading the stack's real config files; instead of an engine, a recording monitor receives every
``RegisterResource`` request, with the options the stock mocks drop (parent, provider, dependencies,
property dependencies, protect, retain_on_delete). Mocks answer with plausible computed attributes (ARNs in
the account and region of the resource's provider) so that ARNs flow between resources as they would.

Used by the plan/check command, by the tests, and by the policy gate, so all three see the same plan.
"""

from __future__ import annotations

import gc
import hashlib
import json
import runpy
import sys
import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from pulumi.output import Unknown
from pulumi.runtime import config as runtime_config
from pulumi.runtime import mocks, rpc, settings
from pulumi.runtime import resource as runtime_resource
from pulumi.runtime.proto import source_pb2
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from failsafe.settings.stackfiles import ROOT

CHECKOUT = Path(__file__).resolve().parents[2]  # where this package's own files are (the Lambda bundles' sources)

PROJECT = "failsafe"
STACK_REFERENCE = "pulumi:pulumi:StackReference"
PROVIDER_PREFIX = "pulumi:providers:"


@dataclass
class PlannedResource:
    urn: str
    type: str
    name: str
    parent: str
    provider: str
    custom: bool
    inputs: dict[str, Any]
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    protect: bool
    retain_on_delete: bool
    delete_before_replace: bool
    ignore_changes: list[str]
    id: str = ""
    outputs: dict[str, Any] = field(default_factory=dict)
    aliases: list[str] = field(default_factory=list)  # earlier names this resource adopts (alias spec name or URN)
    import_id: str = ""  # the import_ option: the ID of an existing resource the engine imports instead of creating

    @property
    def provider_urn(self) -> str:
        """The provider's URN (``provider`` is the engine's reference, ``<urn>::<id>``)."""
        return self.provider.rsplit("::", 1)[0] if self.provider else ""


@dataclass
class Plan:
    stack: str
    project: str
    resources: list[PlannedResource]
    outputs: dict[str, Any]
    error: str | None = None

    def by_type(self, type_: str) -> list[PlannedResource]:
        return [r for r in self.resources if r.type == type_]

    def get(self, urn: str) -> PlannedResource | None:
        return next((r for r in self.resources if r.urn == urn), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "project": self.project,
            "error": self.error,
            "outputs": self.outputs,
            "resources": [
                {
                    "urn": r.urn,
                    "type": r.type,
                    "name": r.name,
                    "parent": r.parent,
                    "provider": r.provider,
                    "custom": r.custom,
                    "id": r.id,
                    "inputs": r.inputs,
                    "dependencies": r.dependencies,
                    "propertyDependencies": r.property_dependencies,
                    "options": {
                        "protect": r.protect,
                        "retainOnDelete": r.retain_on_delete,
                        "deleteBeforeReplace": r.delete_before_replace,
                        "ignoreChanges": r.ignore_changes,
                        "importId": r.import_id,
                    },
                }
                for r in self.resources
            ],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True, default=str)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Plan:
        resources = [
            PlannedResource(
                urn=r["urn"],
                type=r["type"],
                name=r["name"],
                parent=r["parent"],
                provider=r["provider"],
                custom=r["custom"],
                inputs=r["inputs"],
                dependencies=r["dependencies"],
                property_dependencies=r["propertyDependencies"],
                protect=r["options"]["protect"],
                retain_on_delete=r["options"]["retainOnDelete"],
                delete_before_replace=r["options"]["deleteBeforeReplace"],
                ignore_changes=r["options"]["ignoreChanges"],
                id=r.get("id", ""),
                import_id=r["options"].get("importId", ""),
            )
            for r in data["resources"]
        ]
        return cls(data["stack"], data["project"], resources, data["outputs"], data.get("error"))


def _digest(*parts: str, length: int = 64) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


def _json_list(value: Any) -> list[Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return [value]
    return list(value or [])


class FailsafeMocks(mocks.Mocks):
    """Computed attributes for the resource types failsafe declares, in the provider's account/region."""

    def __init__(self, stack_outputs: Mapping[str, Mapping[str, Any]], preview: bool = False) -> None:
        self.stack_outputs = stack_outputs
        self.preview = preview
        self.providers: dict[str, tuple[str, str]] = {}  # provider reference -> (account, region)
        self._lock = threading.Lock()

    def _where(self, provider_ref: str) -> tuple[str, str]:
        with self._lock:
            return self.providers.get(provider_ref, ("000000000000", "unknown-region"))

    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        inputs = dict(args.inputs)
        if args.typ == STACK_REFERENCE:
            name = inputs.get("name") or args.name
            if name not in self.stack_outputs:
                raise Exception(
                    f"StackReference {name!r}: no planned outputs for it (plan that stack first; known: "
                    f"{sorted(self.stack_outputs)})"
                )
            return name, {"name": name, "outputs": dict(self.stack_outputs[name]), "secretOutputNames": []}
        if args.typ.startswith(PROVIDER_PREFIX):
            accounts = _json_list(inputs.get("allowedAccountIds"))
            region = str(inputs.get("region") or "unknown-region")
            ref_id = f"{args.name}-provider-id"
            return ref_id, inputs | {"_where": [accounts[0] if accounts else "000000000000", region]}
        account, region = self._where(args.provider or "")
        rid, computed = computed_state(args.typ, args.name, inputs, account, region)
        if self.preview:  # as the engine answers a create during `pulumi preview`: computed values are unknown
            return "", inputs | {key: rpc.UNKNOWN for key in computed if key not in inputs}
        return rid, inputs | computed

    def call(self, args: mocks.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        answer, failures = self._answer(args)
        return answer, failures or []  # pulumi's MockMonitor iterates the failures: None would fail every invoke

    def _answer(self, args: mocks.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        account, region = self._where(args.provider or "")
        token = args.token
        if token == "aws:index/getCallerIdentity:getCallerIdentity":
            arn = f"arn:aws:sts::{account}:assumed-role/mock/mock"
            return {"accountId": account, "arn": arn, "userId": "MOCK"}, None
        if token == "aws:index/getRegion:getRegion":
            return {"name": region, "region": region, "id": region}, None
        if token == "aws:index/getPartition:getPartition":
            return {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws"}, None
        if token == "aws:route53/getZone:getZone":
            zone = str(args.args.get("name", "example.com")).rstrip(".")
            return {"zoneId": "Z" + _digest(zone, length=20).upper(), "name": zone, "id": zone}, None
        if token == "aws:ecr/getAuthorizationToken:getAuthorizationToken":
            registry = f"{account}.dkr.ecr.{region}.amazonaws.com"
            return {
                "userName": "AWS",
                "password": "mock-token",
                "proxyEndpoint": f"https://{registry}",
                "authorizationToken": "bW9jaw==",
                "expiresAt": "2099-01-01T00:00:00Z",
                "id": registry,
            }, None
        raise Exception(f"the mock runtime has no answer for invoke {token}; add one in failsafe/tooling/harness.py")


def computed_state(
    typ: str, name: str, inputs: Mapping[str, Any], account: str, region: str
) -> tuple[str, dict[str, Any]]:
    """What the provider would compute for a new resource: ID and the attributes other resources read."""
    physical = str(inputs.get("name") or inputs.get("bucket") or name)
    service = typ.split(":")[1].split("/")[0] if typ.count(":") >= 2 else "mock"
    rid = f"{name}-id"
    out: dict[str, Any] = {}
    if typ == "aws:s3/bucket:Bucket" or typ == "aws:s3/bucketV2:BucketV2":
        rid = physical
        out = {
            "bucket": physical,
            "arn": f"arn:aws:s3:::{physical}",
            "bucketDomainName": f"{physical}.s3.amazonaws.com",
            "bucketRegionalDomainName": f"{physical}.s3.{region}.amazonaws.com",
            "region": region,
        }
    elif typ.startswith("aws:iam/"):
        kind = {
            "aws:iam/role:Role": "role",
            "aws:iam/policy:Policy": "policy",
            "aws:iam/user:User": "user",
            "aws:iam/openIdConnectProvider:OpenIdConnectProvider": "oidc-provider",
        }.get(typ)
        if kind == "oidc-provider":
            physical = str(inputs.get("url", physical)).removeprefix("https://")
        if kind:
            path = str(inputs.get("path") or "/")
            rid = physical if kind == "role" else f"arn:aws:iam::{account}:{kind}{path}{physical}"
            out = {
                "arn": f"arn:aws:iam::{account}:{kind}{path}{physical}",
                "name": physical,
                "uniqueId": "AROA" + _digest(physical, length=16).upper(),
            }
    elif typ == "aws:kms/key:Key":
        key_id = (
            f"{_digest(name, length=8)}-{_digest(name, 'a', length=4)}-4{_digest(name, 'b', length=3)}-8"
            f"{_digest(name, 'c', length=3)}-{_digest(name, 'd', length=12)}"
        )
        rid = key_id
        out = {"keyId": key_id, "arn": f"arn:aws:kms:{region}:{account}:key/{key_id}"}
    elif typ == "aws:kms/alias:Alias":
        out = {"arn": f"arn:aws:kms:{region}:{account}:{physical}"}
    elif typ == "aws:sns/topic:Topic":
        rid = f"arn:aws:sns:{region}:{account}:{physical}"
        out = {"arn": rid, "name": physical}
    elif typ == "aws:sqs/queue:Queue":
        out = {
            "arn": f"arn:aws:sqs:{region}:{account}:{physical}",
            "name": physical,
            "url": f"https://sqs.{region}.amazonaws.com/{account}/{physical}",
        }
        rid = out["url"]
    elif typ in ("aws:backup/vault:Vault", "aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault"):
        rid = physical
        out = {
            "arn": f"arn:aws:backup:{region}:{account}:backup-vault:{physical}",
            "name": physical,
            "recoveryPoints": 0,
        }
    elif typ == "aws:ram/resourceShare:ResourceShare":  # arn:aws:ram:<region>:<account>:resource-share/<uuid>
        share = f"{_digest(physical, length=8)}-{_digest(physical, 'a', length=4)}-{_digest(physical, 'b', length=4)}"
        rid = f"arn:aws:ram:{region}:{account}:resource-share/{share}"
        out = {"arn": rid}
    elif typ == "aws:backup/plan:Plan":
        rid = _digest(physical, length=36)
        out = {"arn": f"arn:aws:backup:{region}:{account}:backup-plan:{rid}", "version": "1"}
    elif typ == "aws:lambda/function:Function":
        rid = physical
        arn = f"arn:aws:lambda:{region}:{account}:function:{physical}"
        out = {
            "arn": arn,
            "name": physical,
            "qualifiedArn": f"{arn}:1",
            "version": "1",
            "invokeArn": f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations",
        }
    elif typ == "aws:lambda/functionUrl:FunctionUrl":
        url_id = _digest(name, length=32)
        out = {
            "functionUrl": f"https://{url_id}.lambda-url.{region}.on.aws/",
            "urlId": url_id,
            "functionArn": f"arn:aws:lambda:{region}:{account}:function:{inputs.get('functionName', name)}",
        }
    elif typ == "aws:ecr/repository:Repository":
        rid = physical
        out = {
            "arn": f"arn:aws:ecr:{region}:{account}:repository/{physical}",
            "registryId": account,
            "repositoryUrl": f"{account}.dkr.ecr.{region}.amazonaws.com/{physical}",
        }
    elif typ == "docker-build:index:Image":
        digest = "sha256:" + _digest(name, json.dumps(inputs.get("context"), sort_keys=True, default=str))
        tags = _json_list(inputs.get("tags"))
        repo = str(tags[0]).rsplit(":", 1)[0] if tags else name
        out = {"digest": digest, "ref": f"{repo}@{digest}"}
        rid = digest
    elif typ == "aws:route53/healthCheck:HealthCheck":
        rid = _digest(name, length=8) + "-" + _digest(name, "hc", length=4) + "-4000-8000-" + _digest(name, length=12)
        out = {"arn": f"arn:aws:route53:::healthcheck/{rid}"}
    elif typ == "aws:route53/record:Record":
        out = {"fqdn": str(inputs.get("name", name))}
    elif typ == "aws:cloudwatch/logGroup:LogGroup":
        rid = physical
        out = {"arn": f"arn:aws:logs:{region}:{account}:log-group:{physical}"}
    elif typ == "aws:cloudwatch/metricAlarm:MetricAlarm":
        rid = physical
        out = {"arn": f"arn:aws:cloudwatch:{region}:{account}:alarm:{physical}"}
    elif typ == "aws:cloudwatch/eventRule:EventRule":
        rid = physical
        out = {"arn": f"arn:aws:events:{region}:{account}:rule/{physical}"}
    elif service != "mock" and typ.startswith("aws:"):
        out = {"arn": f"arn:aws:{service}:{region}:{account}:{typ.rsplit(':', 1)[-1].lower()}/{physical}"}
    return rid, out


class RecordingMonitor(mocks.MockMonitor):
    """A mock monitor that keeps the whole RegisterResource request, not just type/name/inputs."""

    def __init__(self, the_mocks: FailsafeMocks) -> None:
        super().__init__(the_mocks)
        self.mocks_impl = the_mocks
        self.requests: list[PlannedResource] = []
        self._lock = threading.Lock()

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        """The URN the engine gives: the parent's whole qualified type, the root stack's left out (pulumi/pulumi
        ``pkg/resource/deploy/deployment.go`` at 720a90c6, ``generateURN``: "don't use the root stack type; otherwise,
        use the full qualified type"). The stock mock keeps only the parent's last type and the root's, so an
        exemption written with a real URN would not match the credential-free plan."""
        qualified = type_
        if parent:
            parent_type = parent.split("::")[2]
            if parent_type != "pulumi:pulumi:Stack":
                qualified = f"{parent_type}${type_}"
        return "urn:pulumi:" + "::".join([pulumi.get_stack(), pulumi.get_project(), qualified, name])

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]  # (the SDK's mock is untyped)
        if request.type == "pulumi:pulumi:Stack":
            return response
        state = self.resources[response.urn].state
        if request.type.startswith(PROVIDER_PREFIX):
            account, region = state.pop("_where")
            self.mocks_impl.providers[f"{response.urn}::{response.id}"] = (account, region)
        self._record(request, response.urn, response.id, state, custom=bool(request.custom))
        return response

    def ReadResource(self, request: Any) -> Any:
        """Reads (StackReference, ``get`` of existing resources) are part of the plan too."""
        response = super().ReadResource(request)  # type: ignore[no-untyped-call]  # (the SDK's mock is untyped)
        state = self.resources[response.urn].state
        self._record(request, response.urn, request.id, state, custom=True)
        return response

    def _record(self, request: Any, urn: str, rid: str, state: dict[str, Any], custom: bool) -> None:
        is_read = request.DESCRIPTOR.name == "ReadResourceRequest"
        inputs = rpc.deserialize_properties(request.properties if is_read else request.object)
        planned = PlannedResource(
            urn=urn,
            type=request.type,
            name=request.name,
            parent=request.parent,
            provider=request.provider,
            custom=custom,
            inputs=_plain(inputs),
            # sorted: the SDK gathers a resource's dependencies, and each property's, in sets (pulumi 3.272.0,
            # pulumi/runtime/resource.py, ``prepare_resource``), so their order changed from run to run; it means
            # nothing to the engine, and a plan is now the same for the same inputs
            dependencies=sorted(request.dependencies),
            property_dependencies={k: sorted(v.urns) for k, v in getattr(request, "propertyDependencies", {}).items()},
            protect=bool(getattr(request, "protect", False)),
            retain_on_delete=bool(getattr(request, "retainOnDelete", False)),
            delete_before_replace=bool(getattr(request, "deleteBeforeReplace", False)),
            ignore_changes=list(getattr(request, "ignoreChanges", [])),
            id=rid,
            outputs=_plain(state),
            aliases=[_alias(a) for a in getattr(request, "aliases", [])],
            import_id=str(getattr(request, "importId", "") or ""),
        )
        with self._lock:
            self.requests.append(planned)


def _run(program: Path) -> None:
    """The program as the language host runs it (as ``__main__``); its globals are of no interest here."""
    runpy.run_path(str(program), run_name="__main__")


def _alias(alias: Any) -> str:
    """An alias as the engine receives it: a full URN, or a spec of which the name is what components set."""
    if isinstance(alias, str):
        return alias
    if alias.WhichOneof("alias") == "urn":
        return str(alias.urn)
    return str(alias.spec.name)


def _project_path(path: str) -> str:
    """Paths inside the project relative to it, so a plan reads the same on every machine."""
    if not path or "://" in path:
        return path
    roots = (ROOT, ROOT.resolve(), CHECKOUT)  # a project folder may link to the checkout's files (tests do)
    for candidate, root in ((Path(path).absolute(), roots[0]), *((Path(path).resolve(), r) for r in roots[1:])):
        if candidate.is_relative_to(root):
            return str(candidate.relative_to(root))
    return path


def _plain(value: Any) -> Any:
    """Deserialised properties as JSON-able data (resource references become their URNs, values unknown at preview
    the engine's unknown sentinel, as the policy pack receives them)."""
    if isinstance(value, Unknown):
        return rpc.UNKNOWN
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items() if not str(k).startswith("__")}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)  # protobuf Struct carries every number as a double
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, pulumi.Resource):
        return getattr(value, "_urn_value", None) or repr(value)
    if isinstance(value, pulumi.Archive):  # as the engine records it: the files it would upload, by path
        if isinstance(value, pulumi.AssetArchive):
            return {"archive": {name: _plain(member) for name, member in sorted(value.assets.items())}}
        return {"archive": {"path": _project_path(str(getattr(value, "path", "")))}}  # FileArchive's path
    if isinstance(value, pulumi.Asset):
        if isinstance(value, pulumi.StringAsset):
            return {"asset": {"text": value.text}}
        return {"asset": {"path": _project_path(str(getattr(value, "path", None) or getattr(value, "uri", "")))}}
    return str(value)


async def _resolve(value: Any) -> Any:
    return await pulumi.Output.from_input(value).future()


_RUN_LOCK = threading.Lock()
# The collector's thresholds while a program runs (Python docs, ``gc.set_threshold``: a generation is collected when
# its count passes the threshold): young collections 70 times rarer than CPython's default 700, and no full one (1,000
# young-generation passes before one, where a run makes a few dozen); _forget_run collects what the run left.
# Measured on dr planned with 100 members (1,686 resources): 10.8 s with the defaults, 7.0 s with these.
RUN_GC_THRESHOLDS = (50_000, 50, 1_000)


def _forget_run(project: str, stack: str, frozen: bool) -> None:
    """Let go of what one program run left behind, and collect it scanning only what the run allocated.

    A run allocates hundreds of thousands of cyclic objects (the SDK's Outputs, futures and asyncio tasks), which
    trigger CPython's full collections (Python docs, ``gc``), and each full pass walks the whole heap, every plan made
    so far included: 200 members planned in one process took 65 s with the collector as it is, 31 s with the heap
    frozen during each run. So :func:`run_program` freezes the heap it finds (``gc.freeze``: "move all objects
    tracked by the garbage collector into a permanent generation") and makes no full pass during the run
    (:data:`RUN_GC_THRESHOLDS`). Here, with the run over, the SDK's ambient settings let go of the run's monitor and
    root resource (they keep them until the next ``set_mocks``: frozen while still referenced, they would outlive
    the next unfreeze), and, when this run froze the heap, a collection (a pass over the run's objects only) is
    followed by ``gc.unfreeze``. A heap a caller froze already (the test suite freezes its imports once) is left as
    it is: freezing again would freeze the caller's garbage of the moment for good."""
    settings.ROOT.set(None)
    settings.configure(settings.Settings(project=project, stack=stack))
    if frozen:
        gc.collect()
        gc.unfreeze()


def _no_stack_trace() -> source_pb2.StackTrace:
    """What the SDK would send in every RegisterResource request for the engine to show where a resource was
    declared (pulumi 3.272.0, ``pulumi/runtime/resource.py``, ``_get_stack_trace``: the whole Python stack, each
    frame's file turned into a URI). No monitor here reads it (``pulumi/runtime/mocks.py`` ``MockMonitor`` takes
    type, name, object, provider, custom, importId and the parent; :class:`RecordingMonitor` keeps neither field),
    and it was a quarter of a plan's time (about 60 frames per resource under a test runner). Empty, the source
    position derived from it is None, as the request allows."""
    return source_pb2.StackTrace()


def run_program(
    stack: str,
    raw_config: Mapping[str, str],
    stack_outputs: Mapping[str, Mapping[str, Any]] | None = None,
    program: Path = ROOT / "__main__.py",
    preview: bool = False,
    project: str = PROJECT,
) -> Plan:
    """Run ``program`` for ``stack`` with ``raw_config`` (namespaced key -> string) under the mocks.

    ``preview=False`` plans as ``pulumi up`` sees the second run (every ARN and ID known); ``preview=True`` as
    ``pulumi preview`` sees a first deploy: every computed value of a new resource is unknown, so the program, the
    policy pack and the access proofs meet unknowns exactly where the engine would give them.
    """
    with _RUN_LOCK:  # the Pulumi runtime is process-global: one program at a time
        if str(ROOT) not in sys.path:
            sys.path.insert(0, str(ROOT))
        the_mocks = FailsafeMocks(stack_outputs or {}, preview=preview)
        monitor = RecordingMonitor(the_mocks)
        settings.ROOT.set(None)
        runtime_config.set_all_config(dict(raw_config), [])
        stack_trace, runtime_resource._get_stack_trace = runtime_resource._get_stack_trace, _no_stack_trace
        freeze, thresholds = gc.get_freeze_count() == 0, gc.get_threshold()
        if freeze:  # see _forget_run: the collector leaves the heap the run found alone, and makes no full pass
            gc.freeze()
        gc.set_threshold(*RUN_GC_THRESHOLDS)
        try:
            mocks.set_mocks(the_mocks, project=project, stack=stack, preview=preview, monitor=monitor)
            root = settings.get_root_resource()
            error: str | None = None
            try:
                _sync_await(run_pulumi_func(lambda: _run(program)))
            except pulumi.RunError as exc:
                error = str(exc)
            outputs: dict[str, Any] = {}
            if error is None and root is not None:
                for key, value in root.outputs.items():  # type: ignore[attr-defined]
                    outputs[key] = _plain(_sync_await(_resolve(value)))
        finally:
            runtime_resource._get_stack_trace = stack_trace
            gc.set_threshold(*thresholds)
            _forget_run(project, stack, frozen=freeze)
        resources = sorted(monitor.requests, key=lambda r: r.urn)
        return Plan(stack=stack, project=project, resources=resources, outputs=outputs, error=error)


def asdict_resource(resource: PlannedResource) -> dict[str, Any]:
    return asdict(resource)
