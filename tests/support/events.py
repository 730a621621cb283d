"""API Gateway's authorizer events, as each shape arrives: REST REQUEST, REST TOKEN, HTTP API 2.0.

The AWS SAM sample events (`sam local generate-event apigateway authorizer` and
`... request-authorizer`) are copied verbatim, so the suite needs nothing outside the repo;
the HTTP API event is the payload 2.0 AWS documents. Builders change only what a test names.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

SAM_TOKEN_EVENT: dict[str, Any] = {
    "type": "TOKEN",
    "authorizationToken": "incoming-client-token",
    "methodArn": "arn:aws:execute-api:us-east-1:123456789012:example/prod/POST/{proxy+}",
}
SAM_REQUEST_EVENT: dict[str, Any] = {
    "type": "REQUEST",
    "methodArn": "arn:aws:execute-api:us-east-1:123456789012:abcdef123/test/GET/request",
    "resource": "/request",
    "path": "/request",
    "httpMethod": "GET",
    "headers": {
        "X-AMZ-Date": "20170718T062915Z",
        "Accept": "*/*",
        "HeaderAuth1": "headerValue1",
        "CloudFront-Viewer-Country": "US",
        "CloudFront-Forwarded-Proto": "https",
        "CloudFront-Is-Tablet-Viewer": "false",
        "CloudFront-Is-Mobile-Viewer": "false",
        "User-Agent": "...",
    },
    "queryStringParameters": {"QueryString1": "queryValue1"},
    "pathParameters": {},
    "stageVariables": {"StageVar1": "stageValue1"},
    "requestContext": {
        "path": "/request",
        "accountId": "123456789012",
        "resourceId": "05c7jb",
        "stage": "test",
        "requestId": "...",
        "identity": {
            "apiKey": "...",
            "sourceIp": "...",
            "clientCert": {
                "clientCertPem": "CERT_CONTENT",
                "subjectDN": "www.example.com",
                "issuerDN": "Example issuer",
                "serialNumber": "a1:a1:a1:a1:a1:a1:a1:a1:a1:a1:a1:a1:a1:a1:a1:a1",
                "validity": {
                    "notBefore": "May 28 12:30:02 2019 GMT",
                    "notAfter": "Aug  5 09:36:04 2021 GMT",
                },
            },
        },
        "resourcePath": "/request",
        "httpMethod": "GET",
        "apiId": "abcdef123",
    },
}


def arn_base_of(method_arn: str) -> str:
    """``arn:...:API/STAGE`` of a sample's method ARN (its own paths hold no colon)."""
    prefix, _, tail = method_arn.rpartition(":")
    api, stage, *_ = tail.split("/")
    return f"{prefix}:{api}/{stage}"


TOKEN_BASE = arn_base_of(SAM_TOKEN_EVENT["methodArn"])
REST_BASE = arn_base_of(SAM_REQUEST_EVENT["methodArn"])
HTTP_BASE = "arn:aws:execute-api:us-east-1:123456789012:abcdef123/$default"


class Shape(StrEnum):
    """An event shape, with HTTP APIs in both of their response modes."""

    REST_REQUEST = "REST REQUEST"
    TOKEN = "REST TOKEN"
    HTTP_IAM = "HTTP API 2.0, IAM policy"
    HTTP_SIMPLE = "HTTP API 2.0, simple response"

    @property
    def base(self) -> str:
        if self is Shape.TOKEN:
            return TOKEN_BASE
        return REST_BASE if self is Shape.REST_REQUEST else HTTP_BASE

    @property
    def http_api(self) -> bool:
        return self in (Shape.HTTP_IAM, Shape.HTTP_SIMPLE)

    def method_arn(self, method: str, path: str) -> str:
        return f"{self.base}/{method}{path}"


def rest_request_event(
    token: str | None,
    method: str,
    path: str,
    source_ip: str,
    *,
    header: str = "X-API-Key",
    extra_headers: Mapping[str, str] | None = None,
    multi_value_only: bool = False,
) -> dict[str, Any]:
    """The SAM REQUEST sample for ``method path`` from ``source_ip``, carrying ``token``."""
    event = copy.deepcopy(SAM_REQUEST_EVENT)
    event["methodArn"] = Shape.REST_REQUEST.method_arn(method, path)
    event["path"] = event["requestContext"]["path"] = path
    event["httpMethod"] = event["requestContext"]["httpMethod"] = method
    event["requestContext"]["identity"]["sourceIp"] = source_ip
    headers: dict[str, str] = event["headers"] | dict(extra_headers or {})
    if token is not None and multi_value_only:
        event["multiValueHeaders"] = {name: [value] for name, value in headers.items()}
        event["multiValueHeaders"][header] = [token]
    elif token is not None:
        headers[header] = token
    event["headers"] = headers
    return event


def token_event(token: str | None, method: str, path: str) -> dict[str, Any]:
    """The SAM TOKEN sample for ``method path``; ``None`` leaves the token out."""
    event = copy.deepcopy(SAM_TOKEN_EVENT)
    event["methodArn"] = Shape.TOKEN.method_arn(method, path)
    if token is None:
        del event["authorizationToken"]
    else:
        event["authorizationToken"] = token
    return event


def http_event(
    token: str | None,
    method: str,
    path: str,
    source_ip: str,
    *,
    extra_headers: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """An HTTP API payload 2.0 authorizer event, as AWS documents it (headers lower case)."""
    headers = {"accept": "*/*", "user-agent": "curl/8.5.0", "host": "abcdef123.example.com"}
    headers |= {name.lower(): value for name, value in (extra_headers or {}).items()}
    if token is not None:
        headers["x-api-key"] = token
    return {
        "version": "2.0",
        "type": "REQUEST",
        "routeArn": Shape.HTTP_IAM.method_arn(method, path),
        "identitySource": [] if token is None else [token],
        "routeKey": "ANY /{proxy+}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": headers,
        "queryStringParameters": {},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abcdef123",
            "domainName": "abcdef123.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": "abcdef123",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": "curl/8.5.0",
            },
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "routeKey": "ANY /{proxy+}",
            "stage": "$default",
            "time": "24/Nov/2026:12:00:00 +0000",
            "timeEpoch": 1795521600000,
        },
        "pathParameters": {"proxy": path.lstrip("/")},
        "stageVariables": {},
    }


def event_for(
    shape: Shape,
    token: str | None,
    route: tuple[str, str],
    source_ip: str,
    extra_headers: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The event ``shape`` API Gateway sends for ``route`` (TOKEN events carry no address)."""
    method, path = route
    if shape is Shape.TOKEN:
        return token_event(token, method, path)
    if shape is Shape.REST_REQUEST:
        return rest_request_event(token, method, path, source_ip, extra_headers=extra_headers)
    return http_event(token, method, path, source_ip, extra_headers=extra_headers)
