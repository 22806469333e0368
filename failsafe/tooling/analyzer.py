"""A client for a Python policy pack over the Pulumi analyzer gRPC protocol, started as the Pulumi CLI starts it:
``python -u -m pulumi.policy <engine address> <pack dir>`` with PULUMI_PROJECT/PULUMI_STACK/PULUMI_DRY_RUN/
PULUMI_CONFIG set; the pack prints its port on stdout. We also serve the minimal Engine service it logs to."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Mapping, Sequence
from concurrent import futures
from pathlib import Path
from typing import IO, Any

import grpc
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc, engine_pb2_grpc

from failsafe.settings.stackfiles import ROOT
from failsafe.tooling import harness

PACK_DIR = ROOT / "policies"
# advisory, mandatory, disabled, remediate: the protocol's own enum (pulumi/proto/analyzer.proto, EnforcementLevel)
LEVELS = {name.lower(): value for name, value in analyzer_pb2.EnforcementLevel.items()}
LEVEL_NAMES = {v: k for k, v in LEVELS.items()}


class _Engine(engine_pb2_grpc.EngineServicer):
    def __init__(self) -> None:
        self.logs: list[str] = []

    def Log(self, request: Any, context: Any) -> Any:
        self.logs.append(request.message)
        return empty_pb2.Empty()


def struct(value: Mapping[str, Any]) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(json.loads(json.dumps(value)))
    return s


START_TIMEOUT_SECONDS = 60


def _drain(stream: IO[str] | None, keep: deque[str], first: queue.Queue[str] | None) -> None:
    for index, text in enumerate(iter(stream.readline, "") if stream else ()):
        if index == 0 and first is not None:
            first.put(text)
        else:
            keep.append(text)
    if first is not None:
        first.put("")  # the pack exited (or closed stdout) before printing a port


class Analyzer:
    """One running pack; use as a context manager. Start once per session: starting takes about a second."""

    def __init__(
        self,
        project: str,
        stack: str,
        pack_dir: Path = PACK_DIR,
        dry_run: bool = True,
        config: Mapping[str, str] | None = None,
    ) -> None:
        self.engine = _Engine()
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
        engine_pb2_grpc.add_EngineServicer_to_server(self.engine, self.server)
        port = self.server.add_insecure_port("127.0.0.1:0")
        self.server.start()
        env = dict(
            os.environ,
            PULUMI_PROJECT=project,
            PULUMI_STACK=stack,
            PULUMI_DRY_RUN="true" if dry_run else "false",
            PULUMI_CONFIG=json.dumps(dict(config or {})),
        )
        self.process = subprocess.Popen(
            [sys.executable, "-u", "-m", "pulumi.policy", f"127.0.0.1:{port}", str(pack_dir)],
            cwd=pack_dir,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        # Both pipes are drained for the pack's lifetime (a full pipe would block a pack that prints), keeping the
        # last lines for error messages; the first stdout line is the port, awaited with a deadline.
        self.output: deque[str] = deque(maxlen=200)
        first: queue.Queue[str] = queue.Queue()
        threading.Thread(target=_drain, args=(self.process.stdout, self.output, first), daemon=True).start()
        threading.Thread(target=_drain, args=(self.process.stderr, self.output, None), daemon=True).start()
        try:
            line = first.get(timeout=START_TIMEOUT_SECONDS).strip()
        except queue.Empty:
            line = ""
        if not line.isdigit():
            self.close()
            raise RuntimeError(
                f"policy pack in {pack_dir} did not print its port within {START_TIMEOUT_SECONDS} s "
                f"(got {line!r}): {''.join(self.output)[-2000:]}"
            )
        self.channel = grpc.insecure_channel(f"127.0.0.1:{line}")
        self.stub = analyzer_pb2_grpc.AnalyzerStub(self.channel)

    def __enter__(self) -> Analyzer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if getattr(self, "channel", None):
            self.channel.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.server.stop(0)

    def info(self) -> Any:
        return self.stub.GetAnalyzerInfo(empty_pb2.Empty())

    def configure(self, config: Mapping[str, Mapping[str, Any]]) -> None:
        request = analyzer_pb2.ConfigureAnalyzerRequest()
        for name, entry in config.items():
            props = {k: v for k, v in entry.items() if k != "enforcementLevel"}
            request.policyConfig[name].CopyFrom(
                analyzer_pb2.PolicyConfig(
                    enforcementLevel=LEVELS[entry.get("enforcementLevel", "advisory")], properties=struct(props)
                )
            )
        self.stub.Configure(request)

    def analyze(self, request: analyzer_pb2.AnalyzeRequest) -> list[Any]:
        return list(self.stub.Analyze(request).diagnostics)

    def analyze_stack(self, resources: Sequence[analyzer_pb2.AnalyzerResource]) -> list[Any]:
        return list(self.stub.AnalyzeStack(analyzer_pb2.AnalyzeStackRequest(resources=resources)).diagnostics)


def providers(plan: harness.Plan) -> dict[str, analyzer_pb2.AnalyzerProviderResource]:
    """Each provider of ``plan`` by URN, as the pack receives it with every resource the provider serves. Made once
    per plan: looked up per resource, it was a walk of the whole plan and a conversion per resource (dr planned with
    100 members has 1,686 resources and five providers)."""
    return {
        r.urn: analyzer_pb2.AnalyzerProviderResource(type=r.type, name=r.name, urn=r.urn, properties=struct(r.inputs))
        for r in plan.resources
        if r.type.startswith(harness.PROVIDER_PREFIX)
    }


def analyze_request(
    plan: harness.Plan,
    r: harness.PlannedResource,
    known: Mapping[str, analyzer_pb2.AnalyzerProviderResource] | None = None,
) -> analyzer_pb2.AnalyzeRequest:
    """The request for one resource; ``known``: :func:`providers` of ``plan``, when the caller made them already."""
    provider = (providers(plan) if known is None else known).get(r.provider_urn) if r.provider else None
    return analyzer_pb2.AnalyzeRequest(
        type=r.type,
        properties=struct(r.inputs),
        urn=r.urn,
        name=r.name,
        options=analyzer_pb2.AnalyzerResourceOptions(protect=r.protect),
        provider=provider,
    )


def stack_resources(
    plan: harness.Plan, known: Mapping[str, analyzer_pb2.AnalyzerProviderResource] | None = None
) -> list[analyzer_pb2.AnalyzerResource]:
    known = providers(plan) if known is None else known
    out = []
    for r in plan.resources:
        out.append(
            analyzer_pb2.AnalyzerResource(
                type=r.type,
                properties=struct(r.inputs),
                urn=r.urn,
                name=r.name,
                options=analyzer_pb2.AnalyzerResourceOptions(protect=r.protect, parent=r.parent),
                provider=known.get(r.provider_urn) if r.provider else None,
                parent=r.parent,
                dependencies=list(r.dependencies),
                propertyDependencies={
                    k: analyzer_pb2.AnalyzerPropertyDependencies(urns=list(v))
                    for k, v in r.property_dependencies.items()
                },
            )
        )
    return out
