#!/usr/bin/env python3
"""Checks the CRC32 checksum of Latchkey API keys that a secret scanner found.

Standard library only, so it runs wherever the scanner does (copy this one file):

  latchkey_checksum.py check TOKEN...        exit 0 when every token's checksum is right
  latchkey_checksum.py filter REPORT         gitleaks JSON or TruffleHog JSON lines: print the
                                             findings whose checksum is right; exit 1 if any
  latchkey_checksum.py serve [--port 8787]   TruffleHog's verify webhook, on 127.0.0.1 only

A token is ``<prefix>_<16-char key id>_<43-char secret><6-char checksum>``; the checksum is
the CRC32 (zlib, IEEE) of the ASCII text before it, written as 6 base62 digits
(``0-9A-Za-z``), most significant first, zero-padded. Nothing is sent anywhere.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
SHAPE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*_[0-9A-Za-z]{16}_[0-9A-Za-z]{49}")


def crc_base62(body: str) -> str:
    number, digits = zlib.crc32(body.encode("ascii")), []
    for _ in range(6):
        number, digit = divmod(number, 62)
        digits.append(BASE62[digit])
    return "".join(reversed(digits))


def checksum_ok(token: str) -> bool:
    """True when ``token`` has a Latchkey key's shape and its checksum matches."""
    if not token.isascii() or not SHAPE.fullmatch(token):
        return False
    return crc_base62(token[:-6]) == token[-6:]


def _findings(text: str) -> Iterator[tuple[dict[str, Any], str]]:
    """(finding, secret) from a gitleaks JSON array or TruffleHog JSON lines."""
    stripped = text.strip()
    if stripped.startswith("["):
        for finding in json.loads(stripped):
            yield finding, str(finding.get("Secret") or finding.get("Match") or "")
        return
    for line in filter(None, (line.strip() for line in stripped.splitlines())):
        finding = json.loads(line)
        yield finding, str(finding.get("Raw") or "")


def filter_report(text: str) -> list[dict[str, Any]]:
    """The findings whose secret is a Latchkey key with a right checksum."""
    return [finding for finding, secret in _findings(text) if checksum_ok(secret)]


def webhook_verdict(payload: Any) -> bool:
    """TruffleHog's verify call: ``{detector: {regex name: [matches] or match}}``."""
    if not isinstance(payload, dict) or not payload:
        return False
    matches: list[str] = []
    for groups in payload.values():
        if not isinstance(groups, dict):
            return False
        for found in groups.values():
            matches += found if isinstance(found, list) else [found]
    return bool(matches) and all(isinstance(m, str) and checksum_ok(m) for m in matches)


class WebhookHandler(BaseHTTPRequestHandler):
    """200 when every match's checksum is right, 403 otherwise. Logs nothing."""

    def do_POST(self) -> None:
        length = min(int(self.headers.get("Content-Length") or 0), 1 << 20)
        try:
            verdict = webhook_verdict(json.loads(self.rfile.read(length) or b"null"))
        except ValueError:
            verdict = False
        self.send_response(200 if verdict else 403)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: a request line could carry a key."""


def serve(port: int) -> HTTPServer:
    """The webhook on the loopback interface (port 0: any free port)."""
    return HTTPServer(("127.0.0.1", port), WebhookHandler)


def main(argv: list[str] | None = None) -> int:
    root = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = root.add_subparsers(dest="command", required=True)
    commands.add_parser("check").add_argument("tokens", nargs="+")
    commands.add_parser("filter").add_argument("report")
    commands.add_parser("serve").add_argument("--port", type=int, default=8787)
    args = root.parse_args(argv)
    if args.command == "check":
        return 0 if all(checksum_ok(token) for token in args.tokens) else 1
    if args.command == "filter":
        with open(args.report, encoding="utf-8") as handle:
            found = filter_report(handle.read())
        for finding in found:
            print(json.dumps(finding))
        return 1 if found else 0
    serve(args.port).serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
