"""The provider's side: platform principals, their keys, and what they may do to tenants.

A platform principal (a platform key, or a person carrying the platform role) belongs to
no tenant. It reaches the platform API, and a tenant's own routes only in support mode
(chalicelib/api/platform/support.py). No storage, HTTP or boto imports here.
"""
