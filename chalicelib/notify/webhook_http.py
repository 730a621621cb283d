"""Sends one webhook request to an address checked by the SSRF rules, and nothing else.

The connection goes to ``Target.address`` (resolved and judged by
chalicelib/domain/webhook_urls.py), never to a fresh resolution of the host, so a DNS
answer that changes between the check and the connect (rebinding) cannot redirect it. TLS
still verifies the certificate against the URL's host name (SNI and hostname check). No
redirect is followed (a 3xx is a failed attempt); connect and read are bounded by the
timeout, and at most :data:`MAX_RESPONSE_BYTES` of the answer are read, then dropped.
Standard library only.
"""

from __future__ import annotations

import http.client
import socket
import ssl
from collections.abc import Mapping

from chalicelib.domain.webhook_urls import Target

MAX_RESPONSE_BYTES = 4096


class _PinnedHttps(http.client.HTTPSConnection):
    def __init__(self, target: Target, timeout: float, context: ssl.SSLContext) -> None:
        super().__init__(target.host, target.port, timeout=timeout, context=context)
        self._address = target.address
        self._tls = context

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(raw, server_hostname=self.host)


class _PinnedHttp(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class HttpTransport:
    """POSTs over a connection pinned to the checked address."""

    def __init__(self, context: ssl.SSLContext | None = None) -> None:
        self._context = context or ssl.create_default_context()

    def post(
        self, target: Target, headers: Mapping[str, str], body: bytes, timeout: float
    ) -> tuple[int | None, str | None]:
        connection: http.client.HTTPConnection = (
            _PinnedHttps(target, timeout, self._context)
            if target.scheme == "https"
            else _PinnedHttp(target, timeout)
        )
        try:
            connection.request("POST", target.path, body=body, headers=dict(headers))
            response = connection.getresponse()
            response.read(MAX_RESPONSE_BYTES)
            return response.status, None
        except TimeoutError:
            return None, "timed out"
        except ssl.SSLError:
            return None, "TLS handshake failed"
        except (OSError, http.client.HTTPException) as error:
            return None, f"connection failed ({type(error).__name__})"
        finally:
            connection.close()
