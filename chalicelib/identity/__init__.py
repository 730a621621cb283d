"""Identity below the HTTP edge: whose signature a request or a token carries.

People's OpenID Connect tokens (oidc.py) and GitHub's secret scanning signatures
(github_keys.py), both checked against published public keys that one cache fetches and
keeps (public_keys.py). Nothing here knows HTTP requests or responses; the edge
(chalicelib/api/auth.py, leaks.py) reaches these through ``Services``. ``jwt`` and
``cryptography`` are imported inside the functions that use them, so a cold start that
never sees a token or a report never loads them.
"""
