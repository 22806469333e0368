"""The sample app answers over HTTP on a loopback port, started the way the container starts it ($PORT)."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[2] / "app"
DOCKERFILE = (APP / "Dockerfile").read_text(encoding="utf-8")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    port = free_port()
    env = os.environ | {
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "PREVIEW_PR": "42",
        "PREVIEW_COMMIT": "0123abc",
        "PREVIEW_BRANCH": "feature/<b>",
    }
    proc = subprocess.Popen(
        [sys.executable, str(APP / "server.py")], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                urllib.request.urlopen(url + "/health", timeout=1).close()
                break
            except (urllib.error.URLError, ConnectionError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"app did not answer on {url}: {proc.stderr.read().decode()}") from None
                time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=5)


def get(url: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read().decode()


def test_health_answers_ok_on_the_port_from_the_environment(base_url: str) -> None:
    status, _, body = get(base_url + "/health")
    assert (status, body) == (200, "ok\n"), f"/health answered {status} {body!r}"


def test_home_page_shows_the_pr_and_commit_it_serves_with_html_escaped(base_url: str) -> None:
    status, content_type, body = get(base_url + "/")
    assert status == 200 and content_type.startswith("text/html"), f"/ answered {status} {content_type}"
    assert "PR #42" in body and "0123abc" in body, f"/ does not show the PR and commit: {body}"
    assert "feature/&lt;b&gt;" in body and "<b>" not in body, f"branch name not escaped: {body}"


def test_info_endpoint_returns_the_identity_as_json(base_url: str) -> None:
    status, content_type, body = get(base_url + "/api/info")
    assert status == 200 and content_type == "application/json"
    assert json.loads(body) == {"pr": "42", "commit": "0123abc", "branch": "feature/<b>"}


def test_unknown_path_is_404(base_url: str) -> None:
    status, _, _ = get(base_url + "/nope")
    assert status == 404


def test_dockerfile_copies_a_pinned_lambda_web_adapter_into_extensions() -> None:
    match = re.search(r"^FROM public\.ecr\.aws/awsguru/aws-lambda-adapter:(\S+) AS adapter$", DOCKERFILE, re.M)
    assert match, "Dockerfile: no `FROM public.ecr.aws/awsguru/aws-lambda-adapter:<version> AS adapter`"
    assert re.fullmatch(r"\d+\.\d+\.\d+", match.group(1)), f"adapter not pinned to a version: {match.group(1)}"
    assert "COPY --from=adapter /lambda-adapter /opt/extensions/lambda-adapter" in DOCKERFILE


def test_dockerfile_sets_the_readiness_path_and_port_the_app_uses() -> None:
    assert "AWS_LWA_READINESS_CHECK_PATH=/health" in DOCKERFILE
    ports = set(re.findall(r"\b(?:AWS_LWA_PORT|PORT)=(\d+)", DOCKERFILE))
    assert ports == {"8080"}, f"PORT and AWS_LWA_PORT must agree: {ports}"


def test_dockerfile_runs_as_a_non_root_user() -> None:
    users = re.findall(r"^USER (\S+)$", DOCKERFILE, re.M)
    assert users and users[-1] not in ("root", "0"), f"last USER is {users[-1:]}: the app must not run as root"
