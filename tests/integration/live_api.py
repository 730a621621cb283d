"""The management API served the way ``chalice local`` serves it, for tests that need a
running server (schemathesis). Settings come from the ``LATCHKEY_*`` environment.

``python -m tests.integration.live_api`` listens on a port the system picks and prints
``serving http://127.0.0.1:PORT`` once it does. This is
``chalice local``'s own server (``create_local_server``) with one difference: its handler
knows seven methods, and the standard library answers any other (TRACE, QUERY, ...) with
``501`` before Chalice's router sees it. Here every method goes to the router, which
answers ``405`` for a method the route does not declare. (API Gateway itself answers
undeclared methods with ``403 Missing Authentication Token``: no local server proves what
API Gateway does.)
"""

from __future__ import annotations

import functools
import os
from typing import Any

from chalice.config import Config
from chalice.local import ChaliceRequestHandler, create_local_server

from app import app
from chalicelib.config.settings import get_settings

# LATCHKEY_TOKEN_ISSUER=self: the issuer is this server's own URL, known only once bound.
SELF_ISSUER = "self"


class RequestHandler(ChaliceRequestHandler):
    """Chalice local's handler, with every method routed as GET or POST are."""

    # Chalice writes the headers and the body in two sends. With Nagle's algorithm on, the
    # body waits for the client's delayed ACK of the headers: 40 ms added to every answer
    # (once most of schemathesis's wall time). TCP_NODELAY sends the body at once.
    disable_nagle_algorithm = True

    def __getattr__(self, name: str) -> Any:
        # BaseHTTPRequestHandler looks up ``do_<METHOD>`` and answers 501 when it is missing.
        if name.startswith("do_"):
            return self._generic_handle
        raise AttributeError(name)


def main() -> None:
    config = Config.create(chalice_stage="local", app_name="latchkey")
    # Port 0: bound here, so no other process can take the port between choosing and binding.
    local = create_local_server(app, config, "127.0.0.1", 0)
    local.server.RequestHandlerClass = functools.partial(
        RequestHandler, app_object=app, config=config
    )
    url = f"http://127.0.0.1:{local.server.server_port}"
    if os.environ.get("LATCHKEY_TOKEN_ISSUER") == SELF_ISSUER:
        os.environ["LATCHKEY_TOKEN_ISSUER"] = url
        get_settings.cache_clear()  # app.py read them at import; the services read them later
    print(f"serving {url}", flush=True)
    local.server.serve_forever()


if __name__ == "__main__":
    main()
