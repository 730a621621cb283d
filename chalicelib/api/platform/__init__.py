"""The provider's side over HTTP: the platform API under ``/v1/platform``, and support mode.

Platform routes take a platform credential only (chalicelib/api/auth.py
``authenticate_platform``); a platform credential reaches a tenant's routes only in support
mode (support.py).
"""
