"""A Cloud Control API peer for tests: a local HTTP endpoint that real botocore clients talk to (moto has no Cloud
Control). Every request is checked against botocore's own ``cloudcontrol`` service model before it is answered, so a
capture that sends what AWS would refuse fails here too:

- the JSON 1.0 protocol of the model's metadata (``POST /``, ``X-Amz-Target: CloudApiService.<Operation>``,
  ``Content-Type: application/x-amz-json-1.0``) and a SigV4 ``Authorization`` header scoped to the model's
  signing name;
- the operation's input shape: required and unknown members and types (botocore's ``ParamValidator``), and the
  ``min``/``max``/``pattern`` constraints of each member, which ParamValidator does not check;
- pagination as the model's paginator defines it (``NextToken`` in and out, ``MaxResults`` as the limit): a token
  the stub did not issue, or one replayed with another type or resource model, is refused as AWS refuses it;
- ``ResourceModel``: a JSON object, and for a type seeded with parent keys, one naming every key of one
  alternative (the error text is the one AWS answers, recorded in tests/support/cloudcontrol_recorded.json).

It pages its answers (``page_size``), throttles on demand (``throttle(n)``: the next n requests answer
``ThrottlingException``, counted server-side), and serves the resources seeded per type. What a type's identifier
and parents are is given by the test (from recorded AWS answers where they exist), not read from the catalogue the
capture uses: a peer built from the same data would only confirm it.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import botocore.session
from botocore.model import OperationModel, Shape
from botocore.validate import ParamValidator

RECORDED = Path(__file__).with_name("cloudcontrol_recorded.json")
REGION = "eu-west-1"  # fixture region for clients made by :func:`client`


_SESSION = botocore.session.get_session()


def service_model() -> Any:
    return _SESSION.get_service_model("cloudcontrol")


def paginator_config(operation: str) -> Mapping[str, Any]:
    return dict(_SESSION.get_paginator_model("cloudcontrol").get_paginator(operation))


class Refused(Exception):
    """A request AWS would refuse: answered with the model's error code, recorded for the test to assert on."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.status = code, message, status


@dataclass
class Seeded:
    """Resources of one type: their models, the property names forming the identifier, the parent alternatives."""

    identifier: tuple[str, ...]
    parents: tuple[tuple[str, ...], ...] = ()
    models: list[dict[str, Any]] = field(default_factory=list)

    def ident(self, model: Mapping[str, Any]) -> str:
        return "|".join(str(model[p]) for p in self.identifier)


@dataclass
class Request:
    operation: str
    params: dict[str, Any]
    answer: str  # "ok" or the error code sent


class CloudControlStub:
    def __init__(self, page_size: int = 2) -> None:
        self.model = service_model()
        self.page_size = page_size
        self.types: dict[str, Seeded] = {}
        self.requests: list[Request] = []
        self.refused: list[Refused] = []
        self._throttle = 0
        self.denied: set[str] = set()  # types whose ListResources answers AccessDeniedException
        self._tokens: dict[str, tuple[str, str | None, int]] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._clients: dict[str, Any] = {}

    # --- setup --------------------------------------------------------------------------------------------------

    def seed(
        self,
        type_name: str,
        models: Sequence[Mapping[str, Any]],
        identifier: Sequence[str],
        parents: Sequence[Sequence[str]] = (),
    ) -> None:
        entry = self.types.setdefault(type_name, Seeded(tuple(identifier), tuple(tuple(p) for p in parents)))
        entry.models.extend(dict(m) for m in models)

    def throttle(self, times: int) -> None:
        """The next ``times`` requests answer ThrottlingException (HTTP 400, as Cloud Control does)."""
        with self._lock:
            self._throttle = times

    @property
    def url(self) -> str:
        assert self._server is not None, "start the stub first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @contextmanager
    def running(self) -> Iterator[CloudControlStub]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as AWS endpoints: one connection for a whole capture
            disable_nagle_algorithm = True  # headers and body go out at once (no delayed-ACK stall per request)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                status, payload = stub.handle(dict(self.headers.items()), self.path, body)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/x-amz-json-1.0")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("x-amzn-RequestId", "00000000-0000-0000-0000-000000000000")
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()
            thread.join(timeout=5)
            self._server = None
            self._clients.clear()

    def client(self, **config: Any) -> Any:
        """A real botocore client pointed at the stub (dummy credentials; ``config`` goes to botocore's Config),
        made once per config: creating a client loads the service model, the slow part of a short test."""
        from botocore.config import Config

        key = json.dumps(config, sort_keys=True)
        if key not in self._clients:
            self._clients[key] = _SESSION.create_client(
                "cloudcontrol",
                region_name=REGION,
                endpoint_url=self.url,
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
                config=Config(**config) if config else None,
            )
        return self._clients[key]

    # --- the protocol -------------------------------------------------------------------------------------------

    def handle(self, headers: Mapping[str, str], path: str, body: bytes) -> tuple[int, dict[str, Any]]:
        operation = "?"
        try:
            operation, params = self._parse(headers, path, body)
            with self._lock:
                if self._throttle > 0:
                    self._throttle -= 1
                    raise Refused("ThrottlingException", "Rate exceeded")
            answer = getattr(self, f"_op_{operation}")(params)
        except Refused as refused:
            with self._lock:
                self.refused.append(refused)
                self.requests.append(Request(operation, {}, refused.code))
            return refused.status, {"__type": refused.code, "Message": refused.message}
        with self._lock:
            self.requests.append(Request(operation, params, "ok"))
        return 200, answer

    def _parse(self, headers: Mapping[str, str], path: str, body: bytes) -> tuple[str, dict[str, Any]]:
        lower = {k.lower(): v for k, v in headers.items()}
        meta = self.model.metadata
        if path != "/":
            raise Refused("InvalidRequestException", f"path {path!r}: the JSON protocol posts to /")
        if lower.get("content-type") != f"application/x-amz-json-{meta['jsonVersion']}":
            raise Refused("InvalidRequestException", f"content type {lower.get('content-type')!r}")
        auth = lower.get("authorization", "")
        if not re.match(
            rf"AWS4-HMAC-SHA256 Credential=[^/]+/\d{{8}}/[a-z0-9-]+/{meta['signingName']}/aws4_request", auth
        ):
            raise Refused("InvalidCredentialsException", f"no SigV4 signature for {meta['signingName']}: {auth!r}")
        target = lower.get("x-amz-target", "")
        prefix, _, operation = target.partition(".")
        if prefix != meta["targetPrefix"] or operation not in self.model.operation_names:
            raise Refused("UnknownOperationException", f"X-Amz-Target {target!r}")
        try:
            params = json.loads(body or b"{}")
        except ValueError as exc:
            raise Refused("SerializationException", f"body is not JSON: {exc}") from exc
        if not isinstance(params, dict):
            raise Refused("SerializationException", "body is not a JSON object")
        op_model: OperationModel = self.model.operation_model(operation)
        report = ParamValidator().validate(params, op_model.input_shape)
        if report.has_errors():
            raise Refused("ValidationException", report.generate_report())
        for name, value in params.items():
            _constraints(name, value, op_model.input_shape.members[name])
        return operation, params

    # --- operations ---------------------------------------------------------------------------------------------

    def _seeded(self, type_name: str) -> Seeded:
        if type_name not in self.types:
            raise Refused("TypeNotFoundException", f"The type {type_name} cannot be found.")
        return self.types[type_name]

    def _op_ListResources(self, params: Mapping[str, Any]) -> dict[str, Any]:
        config = paginator_config("ListResources")
        type_name = params["TypeName"]
        if type_name in self.denied:
            raise Refused(
                "AccessDeniedException", f"not authorized to perform: cloudformation:ListResources on {type_name}"
            )
        seeded = self._seeded(type_name)
        model_text = params.get("ResourceModel")
        selected = self._select(type_name, seeded, model_text)
        start = 0
        token = params.get(config["input_token"])
        if token is not None:
            issued = self._tokens.get(token)
            if issued is None or issued[:2] != (type_name, model_text):
                raise Refused("InvalidRequestException", "Invalid NextToken")
            start = issued[2]
        limit = min(int(params.get(config["limit_key"], self.page_size)), self.page_size)
        page = selected[start : start + limit]
        answer: dict[str, Any] = {
            "TypeName": type_name,
            config["result_key"]: [{"Identifier": seeded.ident(m), "Properties": json.dumps(m)} for m in page],
        }
        if start + limit < len(selected):
            next_token = f"t{len(self._tokens) + 1}"
            self._tokens[next_token] = (type_name, model_text, start + limit)
            answer[config["output_token"]] = next_token
        return answer

    def _select(self, type_name: str, seeded: Seeded, model_text: str | None) -> list[dict[str, Any]]:
        if not seeded.parents:
            if model_text is not None:
                json.loads(model_text)
            return seeded.models
        try:
            given = json.loads(model_text) if model_text is not None else None
        except ValueError as exc:
            raise Refused("InvalidRequestException", f"ResourceModel is not JSON: {exc}") from exc
        if not isinstance(given, dict) or not any(all(k in given for k in alt) for alt in seeded.parents):
            missing = list(seeded.parents[0])
            raise Refused(
                "InvalidRequestException",
                f"Missing or invalid ResourceModel property in {type_name} list handler request input."
                f"Required property: (#: required key [{', '.join(missing)}] not found)",
            )
        alt = next(a for a in seeded.parents if all(k in given for k in a))
        return [m for m in seeded.models if all(m.get(k) == given[k] for k in alt)]

    def _op_GetResource(self, params: Mapping[str, Any]) -> dict[str, Any]:
        seeded = self._seeded(params["TypeName"])
        for model in seeded.models:
            if seeded.ident(model) == params["Identifier"]:
                return {
                    "TypeName": params["TypeName"],
                    "ResourceDescription": {"Identifier": seeded.ident(model), "Properties": json.dumps(model)},
                }
        raise Refused(
            "ResourceNotFoundException", f"{params['TypeName']} with identifier {params['Identifier']} not found"
        )

    # --- assertions ---------------------------------------------------------------------------------------------

    def count(self, operation: str, answer: str | None = None) -> int:
        with self._lock:
            return sum(1 for r in self.requests if r.operation == operation and (answer is None or r.answer == answer))


def _constraints(name: str, value: Any, shape: Shape) -> None:
    meta = shape.metadata
    size = len(value) if isinstance(value, str | list) else value if isinstance(value, int) else None
    if size is not None and "min" in meta and size < meta["min"]:
        raise Refused("ValidationException", f"{name}: {value!r} is below the minimum {meta['min']}")
    if size is not None and "max" in meta and size > meta["max"]:
        raise Refused("ValidationException", f"{name}: {value!r} is above the maximum {meta['max']}")
    if isinstance(value, str) and "pattern" in meta and not re.search(meta["pattern"], value):
        raise Refused("ValidationException", f"{name}: {value!r} does not match {meta['pattern']}")


def recorded() -> list[dict[str, Any]]:
    """Cloud Control answers recorded from AWS's documentation (each entry names its source URL)."""
    data: list[dict[str, Any]] = json.loads(RECORDED.read_text(encoding="utf-8"))["answers"]
    return data


def native_token_classes() -> dict[str, str]:
    """Every resource token the installed pulumi_aws_native registers, from its package registration (the
    ``resource_modules`` JSON each ``pulumi_aws_native/__init__.py`` hands to ``_utilities.register``), which is a
    different record from the class source files the catalogue generator joins on."""
    import importlib.util

    spec = importlib.util.find_spec("pulumi_aws_native")
    assert spec is not None and spec.origin is not None, "pulumi_aws_native is a dev dependency"
    text = Path(spec.origin).read_text(encoding="utf-8")
    match = re.search(r'resource_modules="""(.*?)"""', text, re.S)
    assert match, "pulumi_aws_native/__init__.py no longer registers resource_modules"
    tokens: dict[str, str] = {}
    for module in json.loads(match.group(1)):
        for token, cls in module.get("classes", {}).items():
            tokens[token] = f"{module['fqn']}.{cls}"
    return tokens
