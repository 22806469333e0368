"""AWS errors as AWS sends them, for the retry tests: the error body each protocol uses, answered either by a local
HTTP endpoint (:class:`FaultServer`, counted on the server side) or inside botocore's send step (:func:`inject`, a
``before-send`` handler that answers instead of the network; botocore then parses it and its retry loop decides,
exactly as for a real answer: ``botocore/endpoint.py``, ``_do_get_response``). botocore's Stubber answers before
the retry loop and cannot show retries at all.

Error shapes per protocol (botocore ``parsers.py``: ``JSONParser``, ``RestJSONParser``, ``QueryParser``,
``EC2QueryParser``, ``RestXMLParser``), by the protocol botocore 1.44 resolves for each service (CloudWatch's model
lists smithy-rpc-v2-cbor first, but botocore speaks its JSON protocol).
"""

from __future__ import annotations

import http.server
import json
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from botocore.awsrequest import AWSResponse


def error_answer(
    protocol: str, code: str, message: str = "Rate exceeded", service: str = ""
) -> tuple[dict[str, str], bytes]:
    """(headers, body) of an AWS error in ``protocol``."""
    if protocol == "json":
        return {"Content-Type": "application/x-amz-json-1.1"}, json.dumps({"__type": code, "message": message}).encode()
    if protocol == "rest-json":
        payload = json.dumps({"__type": code, "message": message}).encode()
        return {"Content-Type": "application/json", "x-amzn-ErrorType": code}, payload
    if protocol == "ec2":
        body = f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors>"
        return {"Content-Type": "text/xml"}, f"{body}<RequestID>r-1</RequestID></Response>".encode()
    if protocol == "rest-xml" and service == "s3":
        return {
            "Content-Type": "application/xml"
        }, f"<Error><Code>{code}</Code><Message>{message}</Message></Error>".encode()
    # query and the other rest-xml services (Route 53, S3 Control)
    body = f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
    return {"Content-Type": "text/xml"}, f"{body}<RequestId>r-1</RequestId></ErrorResponse>".encode()


def success_answer(protocol: str, operation: str, fields: dict[str, Any] | None = None) -> tuple[dict[str, str], bytes]:
    """(headers, body) of a success: ``fields`` as the output (XML protocols take flat text fields only)."""
    fields = fields or {}
    if protocol in ("json", "rest-json"):
        kind = "application/x-amz-json-1.1" if protocol == "json" else "application/json"
        return {"Content-Type": kind}, json.dumps(fields).encode()
    inner = "".join(f"<{k}>{v}</{k}>" for k, v in fields.items())
    if protocol == "query":
        body = f"<{operation}Response><{operation}Result>{inner}</{operation}Result></{operation}Response>"
    elif protocol == "ec2":
        body = f"<{operation}Response><requestId>r-1</requestId>{inner}</{operation}Response>"
    else:
        root = fields.pop("_root", f"{operation}Result")
        inner = "".join(f"<{k}>{v}</{k}>" for k, v in fields.items())
        body = f"<{root}>{inner}</{root}>"
    return {"Content-Type": "text/xml"}, body.encode()


def _operation(path: str, headers: Any, body: bytes) -> str:
    """The operation a request calls: query, EC2 and JSON protocols name it; a REST request is known by its path
    (without the query string)."""
    target = headers.get("X-Amz-Target")
    if target:
        return str(target).rsplit(".", 1)[-1]
    form = urllib.parse.parse_qs(body.decode(errors="replace"))
    return form.get("Action", [path.split("?", 1)[0]])[0]


@dataclass
class FaultServer:
    """A local AWS endpoint: the first ``failures`` requests of ``operation`` get the ``code`` error, every request
    after them (and of every other operation) a success. ``requests`` lists every operation it was asked for."""

    protocol: str
    operation: str
    failures: int
    code: str = "ThrottlingException"
    status: int = 400
    service: str = ""
    success: dict[str, dict[str, Any]] = field(default_factory=dict)  # operation -> output fields
    requests: list[str] = field(default_factory=list)
    url: str = ""

    def tries(self, operation: str | None = None) -> int:
        return self.requests.count(operation or self.operation)

    def _answer(self, operation: str) -> tuple[int, dict[str, str], bytes]:
        self.requests.append(operation)
        if operation == self.operation and self.tries() <= self.failures:
            return (self.status, *error_answer(self.protocol, self.code, service=self.service))
        return (200, *success_answer(self.protocol, operation, dict(self.success.get(operation, {}))))

    @contextmanager
    def running(self) -> Iterator[FaultServer]:
        fault = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, headers, payload = fault._answer(_operation(self.path, self.headers, body))
                self.send_response(status)
                for name, value in {**headers, "Content-Length": str(len(payload))}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _serve

            def log_message(self, *_: Any) -> None:
                pass

        class Server(http.server.ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a client that hung up mid-answer (a test that stopped) is not the server's error

        server = Server(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)


@dataclass
class Injected:
    """What :func:`inject` answered: ``attempts`` of the operation seen, ``answered`` of them with the error."""

    attempts: int = 0
    answered: int = 0


def inject(
    events: Any,
    service: str,
    operation: str,
    *,
    times: int,
    code: str = "ThrottlingException",
    status: int = 400,
    message: str = "Rate exceeded",
    when: Callable[[Any], bool] | None = None,
) -> Injected:
    """Answer the first ``times`` attempts of ``service``'s ``operation`` (its API name) with ``code``, in botocore's
    send step: ``events`` is a session's or a client's event system (``session.events``, ``client.meta.events``).
    ``when(request)`` limits it to some requests (e.g. one key)."""
    seen = Injected()

    def answer(request: Any, **kwargs: Any) -> AWSResponse | None:
        if when is not None and not when(request):
            return None
        seen.attempts += 1
        if seen.answered >= times:
            return None
        seen.answered += 1
        protocol = _PROTOCOLS[service]
        headers, body = error_answer(protocol, code, message, service)
        return AWSResponse(request.url, status, headers, _Raw(body))

    events.register(f"before-send.{_SERVICE_IDS.get(service, service)}.{operation}", answer)
    return seen


class _Raw:
    """The raw stream botocore reads an answer's body from."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.body

    def read(self, *_: Any) -> bytes:
        body, self.body = self.body, b""
        return body


_PROTOCOLS = {
    "s3": "rest-xml",
    "s3control": "rest-xml",
    "route53": "rest-xml",
    "sts": "query",
    "rds": "query",
    "sns": "query",
    "iam": "query",
    "ec2": "ec2",
    "ssm": "json",
    "secretsmanager": "json",
    "kms": "json",
    "dynamodb": "json",
    "sqs": "json",
    "backup": "rest-json",
    "lambda": "rest-json",
    "cloudwatch": "json",
}
_SERVICE_IDS = {"s3control": "s3-control", "secretsmanager": "secrets-manager"}
