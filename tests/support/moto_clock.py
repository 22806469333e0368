"""The clock moto's S3 stamps objects with, set back by the test that writes a history, instead of sleeping.

moto keeps an object's ``LastModified`` in whole seconds, so a history "before T, then after T" needed a second of
sleep either side of T. The moto server runs in this process (``ThreadedMotoServer``, tests/support/moto.py), and moto
stamps every S3 key and delete marker with ``moto.s3.models.utcnow()`` when it is made (moto 5.2.5,
``moto/s3/models.py``: ``FakeKey.__init__`` and ``FakeDeleteMarker.__init__``, ``self.last_modified = utcnow()``; no
other assignment of ``last_modified`` in ``moto/s3``). So the versions "before T" are written with that clock set
back, and T lies between them and the versions written at the real time: the same order of whole seconds the sleeps
gave, with the milliseconds still running (moto sorts a key's versions by ``last_modified``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import moto.s3.models

BACK = timedelta(seconds=2.2)  # what the two sleeps of 1.1 s were
MODELS: Any = moto.s3.models  # Any: moto imports ``utcnow`` from moto.core.utils without re-exporting it
REAL = MODELS.utcnow


class S3Clock:
    """moto's S3 clock: the real time, ``offset`` added."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        now: datetime = REAL() + self.offset
        return now

    def set_back(self) -> None:
        """From now on objects are stamped :data:`BACK` earlier (the history before T)."""
        self.offset = -BACK

    def resume(self) -> datetime:
        """T, half of :data:`BACK` before now; from now on objects are stamped at the real time again. Every version
        written while set back was stamped (whole seconds) before T (at T's whole second at the latest), every one
        written from here on after T."""
        as_of = datetime.now(UTC) - BACK / 2
        self.offset = timedelta(0)
        return as_of


@contextmanager
def s3_clock() -> Iterator[S3Clock]:
    """moto's S3 clock replaced by an :class:`S3Clock` while inside."""
    clock = S3Clock()
    MODELS.utcnow = clock
    try:
        yield clock
    finally:
        MODELS.utcnow = REAL
