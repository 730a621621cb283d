"""A fake OpenID Connect identity provider: an RSA key pair, its JWKS, and signed tokens.

Used by the OIDC tests (in process) and by the live-server tests, which hand the JWKS to
the server as a file. ``AuthorizationServer`` serves the same issuer over HTTP on
127.0.0.1 for the console's browser tests. Nothing here reaches another host.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example"
AUDIENCE = "latchkey-console"
JWKS_URL = f"{ISSUER}/.well-known/jwks.json"


class Issuer:
    """A key pair (and a second, unpublished one), its JWKS, and a count of JWKS fetches."""

    def __init__(self) -> None:
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.fetches = 0

    def document(self) -> dict[str, Any]:
        """The JWKS: the first key's public half, as kid ``k1``."""
        public = json.loads(RSAAlgorithm.to_jwk(self.private.public_key()))
        return {"keys": [{**public, "kid": "k1", "alg": "RS256", "use": "sig"}]}

    def jwks(self, url: str) -> dict[str, Any]:
        """What the verifier's fetch gets: the JWKS, counted."""
        self.fetches += 1
        assert url == JWKS_URL
        return self.document()

    def token(
        self, clock: Callable[[], datetime], key: Any = None, kid: Any = "k1", **claims: Any
    ) -> str:
        """An ID token for Ada of tenant ``acme`` who manages keys; ``claims`` override
        (None removes a claim)."""
        now = int(clock().timestamp())
        body = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": "user-123",
            "email": "ada@acme.example",
            "name": "Ada Lovelace",
            "custom:tenant": "acme",
            "cognito:groups": ["Manage API credentials"],
            "iat": now,
            "nbf": now,
            "exp": now + 3600,
            **claims,
        }
        body = {name: value for name, value in body.items() if value is not None}
        return jwt.encode(body, key or self.private, algorithm="RS256", headers={"kid": kid})


class AuthorizationServer:
    """The issuer as a browser meets it: discovery, JWKS, ``/authorize`` and ``/token``.

    A tiny OpenID Connect provider on 127.0.0.1 (port 0), for the console's sign-in tests.
    ``/authorize`` signs in ``person`` (claims the test sets) without a login form and
    redirects back with a code bound to the PKCE challenge and the request's ``nonce``
    (which the ID token carries, as OpenID Connect Core 3.1.2.1 asks); ``/token`` gives the ID token
    only for the matching ``code_verifier``, once. Discovery and the token endpoint answer
    with CORS headers, as Cognito's do, because the console fetches them from its origin.
    """

    def __init__(self, client_id: str = AUDIENCE) -> None:
        self.issuer = Issuer()
        self.client_id = client_id
        self.person: dict[str, Any] = {}
        # Set, the ID token carries this nonce instead of the one the sign-in sent (a token
        # minted for another sign-in, injected or replayed).
        self.foreign_nonce: str | None = None
        self.nonces: list[str] = []  # every nonce an /authorize request sent
        self.codes: dict[str, dict[str, Any]] = {}
        self.exchanges: list[dict[str, str]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> AuthorizationServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.url,
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "jwks_uri": f"{self.url}/.well-known/jwks.json",
            "response_types_supported": ["code"],
            "code_challenge_methods_supported": ["S256"],
            "id_token_signing_alg_values_supported": ["RS256"],
        }

    def authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        """A redirect back with a code, or a 400 for a request the flow must not send."""
        if (
            query.get("response_type") != "code"
            or query.get("client_id") != self.client_id
            or query.get("code_challenge_method") != "S256"
            or not query.get("code_challenge")
            or not query.get("state")
            or not query.get("nonce")
        ):
            return 400, {}, {"error": "invalid_request"}
        code = secrets.token_urlsafe(16)
        self.nonces.append(query["nonce"])
        self.codes[code] = {
            "nonce": self.foreign_nonce or query["nonce"],
            "challenge": query["code_challenge"],
            "redirect_uri": query["redirect_uri"],
            "claims": dict(self.person),
        }
        target = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"
        return 302, {"Location": target}, None

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        """The ID token for a code, once, when the verifier matches its challenge (S256)."""
        self.exchanges.append(dict(form))
        grant = self.codes.pop(form.get("code", ""), None)
        verifier = form.get("code_verifier", "").encode()
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
        if (
            grant is None
            or form.get("grant_type") != "authorization_code"
            or form.get("client_id") != self.client_id
            or form.get("redirect_uri") != grant["redirect_uri"]
            or challenge.decode() != grant["challenge"]
        ):
            return 400, {}, {"error": "invalid_grant"}
        token = self.issuer.token(
            lambda: datetime.now(UTC),
            iss=self.url,
            aud=self.client_id,
            nonce=grant["nonce"],
            **grant["claims"],
        )
        return 200, {}, {"id_token": token, "token_type": "Bearer", "expires_in": 3600}

    def get(self, path: str, query: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        if path == "/.well-known/openid-configuration":
            return 200, {}, self.discovery()
        if path == "/.well-known/jwks.json":
            return 200, {}, self.issuer.document()
        if path == "/authorize":
            return self.authorize(query)
        return 404, {}, {"error": "not_found"}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlsplit(self.path)
                self._answer(*server.get(url.path, dict(parse_qsl(url.query))))

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(parse_qsl(self.rfile.read(length).decode()))
                if urlsplit(self.path).path == "/token":
                    self._answer(*server.token(form))
                else:
                    self._answer(404, {}, {"error": "not_found"})

            def _answer(self, status: int, headers: dict[str, str], body: Any) -> None:
                payload = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Access-Control-Allow-Origin", "*")
                self.send_header("Cache-Control", "no-store")
                if body is not None:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet: pytest shows failures, not every request

        return Handler
