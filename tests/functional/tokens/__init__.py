"""``POST /oauth2/token``: every RFC 6749 error, every key state, and what a token holds.

The client credentials grant over chalice's test client on moto, with a signing key the
test generates. Tokens are decoded with PyJWT against the published JWKS only.
"""
