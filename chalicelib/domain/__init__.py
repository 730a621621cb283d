"""The domain: what keys, groups and tenants are and the rules they follow.

It works on plain dataclasses and takes a clock; it imports neither Chalice, pydantic,
PynamoDB nor botocore.
"""
