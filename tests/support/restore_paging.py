"""Fakes paged by botocore itself: a test's fake client (a class answering a few operations with fixed pages) gets
``get_paginator`` from botocore's own paginator model of the service, so the code under test pages it exactly as it
pages a real client (``failsafe.ops.aws.pages``), ``NextToken``/``Marker`` and all."""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.paginate import Paginator


@cache
def _model_client(service: str) -> Any:
    """A real client of ``service`` for its models only: it is never called."""
    sess = boto3.Session(aws_access_key_id="unused", aws_secret_access_key="unused", region_name="eu-central-1")
    return sess.client(service)


class Paged:
    """``fake`` with botocore's paginators of ``service`` over the fake's own methods."""

    def __init__(self, fake: Any, service: str) -> None:
        self._fake = fake
        self._service = service

    @property
    def meta(self) -> Any:
        """The real client's models (``failsafe.ops.aws.pages`` reads operation models from them)."""
        return _model_client(self._service).meta

    def __getattr__(self, name: str) -> Any:
        return getattr(self._fake, name)

    def get_paginator(self, operation: str) -> Paginator:
        real = _model_client(self._service).get_paginator(operation)
        return Paginator(getattr(self._fake, operation), real._pagination_cfg, real._model)
