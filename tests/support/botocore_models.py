"""botocore's service models read once per test process, not once per session.

Every ``boto3.Session`` gets a fresh botocore ``Loader`` (``botocore/session.py`` ``_register_data_loader`` calls
``botocore.loaders.create_loader`` per session, botocore 1.44), and its cache is per instance
(``botocore/loaders.py`` ``instance_cache``: ``self._cache``). The operations tools make a session per profile and
per assumed role, so each ``failsafe-dr`` run in a test parsed the same JSON again (``endpoints.json``, each service's
``service-2.json`` and ``endpoint-rule-set-1.json``): about 0.1 s per client, most of a short command's time. Here
``create_loader`` answers one ``Loader`` per search path for the whole process, so each file is parsed once. What is
loaded is the same data from the same files; only its parsing is shared (botocore reads it, never writes to it).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import botocore.session
from botocore import loaders

_LOADERS: dict[str | None, loaders.Loader] = {}


def shared_loader(search_path_string: str | None = None) -> loaders.Loader:
    """``botocore.loaders.create_loader``, made once per search path (``AWS_DATA_PATH``)."""
    if search_path_string not in _LOADERS:
        _LOADERS[search_path_string] = loaders.create_loader(search_path_string)
    return _LOADERS[search_path_string]


@contextmanager
def models_read_once() -> Iterator[None]:
    """Inside: every new botocore session shares the loader of its search path."""
    real = botocore.session.create_loader
    botocore.session.create_loader = shared_loader
    try:
        yield
    finally:
        botocore.session.create_loader = real
