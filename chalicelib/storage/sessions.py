"""botocore sessions that share one process-wide loader of AWS's service models.

botocore parses the DynamoDB service model and endpoint rules (several MB of JSON, about
0.3 s on a Lambda core) once per ``Session``. PynamoDB makes a session per connection and
per thread, so a management-API cold start parsed them once per model class (eight times),
and every functional test did again. Sessions made here share one ``Loader``, whose cache
holds the parsed models: each file is parsed once per process. Credentials are still
resolved per session, so a new wiring never inherits an old one's credentials.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import botocore.loaders
import botocore.session


@lru_cache(maxsize=1)
def _loader() -> botocore.loaders.Loader:
    # The loader's caches are plain dicts: two threads loading the same file at once
    # parse it twice, which is wasted work but never a wrong answer.
    return botocore.loaders.create_loader()


class SharingSession(botocore.session.Session):  # type: ignore[misc]  # botocore is untyped
    """A session that makes one client per distinct request for a client, not one per call.

    PynamoDB asks for a client per model class, each the same
    (DynamoDB, same region, endpoint and config, since ``bind_models`` gives every model the
    same settings); building each cost ~5 ms of CPU and its own connection pool on a cold
    start. botocore clients are thread-safe, so sharing one is sound. A client whose
    credentials came back empty is never handed out again (PynamoDB asks anew for exactly
    that case).
    """

    def __init__(self) -> None:
        super().__init__()
        self._clients: dict[str, Any] = {}

    def create_client(self, *args: Any, **kwargs: Any) -> Any:
        config = kwargs.get("config")
        options = getattr(config, "_user_provided_options", None)
        asked = repr(
            (args, sorted((k, repr(v)) for k, v in kwargs.items() if k != "config"), options)
        )
        client = self._clients.get(asked)
        signer = getattr(client, "_request_signer", None)
        if client is None or (signer is not None and not signer._credentials):
            client = super().create_client(*args, **kwargs)
            self._clients[asked] = client
        return client


def new_session() -> botocore.session.Session:
    """A fresh session (own credentials, shared clients) over the shared loader (parsed models)."""
    session = SharingSession()
    session.register_component("data_loader", _loader())
    return session


def adopt(connection: Any, session: botocore.session.Session) -> None:
    """Make a PynamoDB ``Connection`` use ``session`` in the calling thread.

    PynamoDB has no parameter for a session: it keeps one per thread in ``_local`` and
    makes it with ``get_session()`` on first use. Setting it here for the wiring thread
    is the one place Latchkey reaches into PynamoDB; other threads (the integration race
    tests) still get PynamoDB's own per-thread sessions, because a botocore client must
    not be created from one session by two threads at once.
    """
    connection._local.session = session


def connect_here(connection: Any) -> None:
    """Make ``connection``'s botocore client now, in the calling (wiring) thread.

    PynamoDB makes a connection's client on first use and then shares it with every
    thread. Made first in a worker thread (a store fanning Queries out to a pool), it
    would come from that thread's own ``get_session()``: no shared loader (the models
    parsed again, ~0.3 s cold) and none of the wiring session's handlers. A store calls
    this before it hands a model's requests to threads.
    """
    _ = connection.client
