"""One moto server (a real HTTP endpoint on 127.0.0.1) for every recovery test file, and sessions into it.

The server starts once per test process (a module-level singleton, so several test files share it) and
is reset through moto's reset API before each test. Sessions choose their moto account with the
``x-moto-account-id`` header, so prod (111111111111) and the backup account (222222222222) are separate
accounts as in the real estate; credentials from STS assume-role map to the role's account by themselves.
"""

from __future__ import annotations

import logging
import os
import socket
import urllib.request
from pathlib import Path
from typing import Any

import boto3
import pytest

PROD = "111111111111"
BACKUP = "222222222222"
REGION = "eu-central-1"
_SERVER: dict[str, Any] = {}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def endpoint() -> str:
    if "url" not in _SERVER:
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        _modules_listed_once()
        os.environ["MOTO_EC2_LOAD_DEFAULT_AMIS"] = "false"  # thousands of public AMIs slow every describe_images
        port = _free_port()
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        _SERVER.update(server=server, url=f"http://127.0.0.1:{port}")
    return _SERVER["url"]


def _modules_listed_once() -> None:
    """moto 5.2's server finds the backend of every request under one lock, and for that lists its own package
    folder and stats each entry (``moto/moto_server/werkzeug_app.py``, ``get_backend_for_host`` calls
    ``moto/backends.py`` ``list_of_moto_modules``): about 1 ms a request, 40 % of the server's own time in the restore
    tests, paid while every other request waits. The folders of an installed package do not change while it runs, so
    the list is read once, in the order moto gives it."""
    import moto.backends

    if getattr(moto.backends.list_of_moto_modules, "listed_once", False):
        return
    modules = tuple(moto.backends.list_of_moto_modules())

    def listed() -> tuple[str, ...]:
        return modules

    listed.listed_once = True  # type: ignore[attr-defined]
    moto.backends.list_of_moto_modules = listed  # type: ignore[assignment]


def reset() -> None:
    request = urllib.request.Request(f"{endpoint()}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200, f"moto reset failed: HTTP {response.status}"


def account_session(account: str, region: str = REGION) -> boto3.Session:
    """A session whose every request lands in moto account ``account``."""
    sess = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region)

    def add_header(request: Any, **_: Any) -> None:
        request.headers["x-moto-account-id"] = account

    sess.events.register("before-sign", add_header)
    return sess


_LOADERS: dict[str | None, Any] = {}  # data path -> loader, for the whole test process


def fresh_session(account: str, region: str = REGION) -> boto3.Session:
    """:func:`account_session` with event handlers of its own (a test may register faults on it without touching any
    other test's), sharing one botocore data loader so each service model is parsed once per process, not once per
    session (about 0.6 s for eleven clients otherwise). The loader only caches the models it reads from botocore's
    data files (``botocore.loaders.Loader.load_service_model``, ``instance_cache``), so sharing it shares no state a
    test can change."""
    import botocore.loaders
    import botocore.session

    if None not in _LOADERS:
        _LOADERS[None] = botocore.loaders.create_loader()
    core = botocore.session.Session()
    core.register_component("data_loader", _LOADERS[None])
    sess = boto3.Session(
        botocore_session=core, aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region
    )
    _appended_once(_LOADERS[None].search_paths)  # boto3 appends its data folder to the loader per session

    def add_header(request: Any, **_: Any) -> None:
        request.headers["x-moto-account-id"] = account

    sess.events.register("before-sign", add_header)
    return sess


def _appended_once(paths: list[str]) -> None:
    if paths and paths.count(paths[-1]) > 1:
        paths.pop()


def share_service_models(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every botocore session made while ``monkeypatch`` lasts (the product's own, e.g. one per ``--profile``) gets
    one data loader per data path instead of a new one, so a service model is parsed once per process rather than
    once per session (about 50 ms a service). botocore 1.43 makes the loader in ``Session._register_data_loader``
    through ``botocore.session.create_loader``; the loader only caches what it read from botocore's data files
    (``botocore.loaders.instance_cache``). boto3's ``Session._setup_loader`` appends its own data folder to the
    loader's ``search_paths`` each time: appended once only here."""
    import boto3.session
    import botocore.loaders
    import botocore.session

    def create_loader(search_path_string: str | None = None) -> Any:
        if search_path_string not in _LOADERS:
            _LOADERS[search_path_string] = botocore.loaders.create_loader(search_path_string)
        return _LOADERS[search_path_string]

    setup_loader = boto3.session.Session._setup_loader

    def setup_once(self: boto3.session.Session) -> None:
        setup_loader(self)
        _appended_once(self._loader.search_paths)

    monkeypatch.setattr(botocore.session, "create_loader", create_loader)
    monkeypatch.setattr(boto3.session.Session, "_setup_loader", setup_once)


# (service, id of its model) -> (the model, kept so that its id is never reused, and its class)
_CLASSES: dict[tuple[str, int], tuple[Any, type]] = {}


def share_client_classes(monkeypatch: pytest.MonkeyPatch) -> None:
    """While ``monkeypatch`` lasts, a botocore client class is built once per service model, not once per client.
    botocore 1.43 builds a new class for every client (``ClientCreator._create_client_class``): one method, one
    ``OperationModel`` and one lazy docstring per operation, about 0.1 s for EC2's 750 operations, the largest single
    cost of the operations tests. The class holds only what the model says (``_create_methods``,
    ``_create_name_mapping``) and the bases the ``creating-client-class`` handlers add, boto3's own and the same for
    every session (``boto3.session.Session._register_default_handlers``; neither failsafe nor a test registers
    one). Each client still gets its own config, credentials, endpoint and event handlers (``create_client`` passes
    them to the instance, not the class). Keyed by the model's identity, so it needs the shared loader of
    :func:`share_service_models` to hit; a model read afresh builds its own class as before."""
    import botocore.client

    build = botocore.client.ClientCreator._create_client_class

    def build_once(self: botocore.client.ClientCreator, service_name: str, service_model: Any) -> type:
        description = service_model._service_description
        key = (service_name, id(description))
        if key not in _CLASSES:
            _CLASSES[key] = (description, build(self, service_name, service_model))
        return _CLASSES[key][1]

    monkeypatch.setattr(botocore.client.ClientCreator, "_create_client_class", build_once)


_RSA: dict[str, Any] = {}


def quick_symmetric_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """While ``monkeypatch`` lasts, a symmetric KMS key made in moto costs no RSA key generation. moto 5.2 gives every
    key a private key for Sign/Verify (``moto/kms/models.py``, ``Key.__init__``: ``generate_private_key(key_spec)``),
    and ``moto/kms/utils.py`` ``generate_private_key`` falls back to a new RSA-2048 key for SYMMETRIC_DEFAULT and HMAC
    specs, 0.1-0.2 s each. KMS signs with asymmetric keys only (AWS KMS API Reference, Sign: "The KMS key must be an
    asymmetric KMS key with a KeyUsage of SIGN_VERIFY"), so those keys share one made once per process; asymmetric
    specs still get a key of their own. The moto server runs in this process, so it sees the patch."""
    import moto.kms.models
    import moto.kms.utils

    real = moto.kms.utils.generate_private_key

    def generate(key_spec: str) -> Any:
        if key_spec != "SYMMETRIC_DEFAULT" and not key_spec.startswith("HMAC_"):
            return real(key_spec)
        if "key" not in _RSA:
            _RSA["key"] = real(key_spec)
        return _RSA["key"]

    monkeypatch.setattr(moto.kms.models, "generate_private_key", generate)


def moto_environment(monkeypatch: pytest.MonkeyPatch) -> str:
    """A clean moto server; boto3 in this process talks to it (AWS_ENDPOINT_URL) with dummy credentials."""
    url = endpoint()
    reset()
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "MOTO_ACCOUNT_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)
    assert os.environ["AWS_ENDPOINT_URL"] == url
    return url


def write_profiles(directory: Path, profiles: dict[str, str]) -> dict[str, str]:
    """An AWS config whose every profile assumes a role in its moto account (moto's STS maps the credentials to the
    role's account), as a real ``~/.aws/config`` with ``role_arn`` and ``source_profile`` does."""
    config = directory / "aws-config"
    blocks = [f"[profile base]\nregion = {REGION}\n"]
    blocks += [
        f"[profile {name}]\nrole_arn = arn:aws:iam::{account}:role/operator\nsource_profile = base\n"
        for name, account in profiles.items()
    ]
    config.write_text("\n".join(blocks), encoding="utf-8")
    credentials = directory / "aws-credentials"
    credentials.write_text("[base]\naws_access_key_id = testing\naws_secret_access_key = testing\n", encoding="utf-8")
    return {"AWS_CONFIG_FILE": str(config), "AWS_SHARED_CREDENTIALS_FILE": str(credentials)}
