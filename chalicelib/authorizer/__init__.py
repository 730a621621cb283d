"""The Lambda authorizer for downstream APIs: the hot path.

Every request of every downstream API comes through here. It imports the standard
library, botocore, and Latchkey's hot-path modules only: never pydantic, PynamoDB or the
management API (tests/unit/test_authorizer_imports.py keeps it so).
"""
