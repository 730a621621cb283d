"""The HTTP edge: Chalice routes, pydantic request and response models, problem documents.

Only this package imports Chalice and pydantic. Handlers are thin: parse, call one domain
service, shape the answer.
"""
