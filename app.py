"""Latchkey's table of contents: the app, its routes, and its entry points.

- ``authorizer``: the Lambda authorizer downstream APIs attach (chalicelib/authorizer/)
- ``/v1/keys``, ``/v1/keys/{id}/usage``, ``/v1/usage``: chalicelib/api/keys.py, usage.py
- ``/v1/groups``: chalicelib/api/groups.py
- ``/v1/verify``: chalicelib/api/verify.py
- ``/v1/me``, ``/v1/audit-events``, ``/console``: chalicelib/api/me.py, audit.py, console.py
- ``/v1/secret-scanning/github``, ``/v1/leaks``, ``/v1/tenant/settings`` (leaked keys):
  chalicelib/api/leaks.py, tenant.py
- ``/oauth2/token``, ``/.well-known/jwks.json``, discovery: chalicelib/api/oauth.py,
  discovery.py
- ``/v1/platform/...`` (the provider's side: tenants, owner lookup, its trail):
  chalicelib/api/platform/
- ``/openapi.json``, ``/openapi.yaml``, ``/docs``: chalicelib/api/docs.py
- ``expiry_sweep`` (scheduled): chalicelib/wiring/expiry_sweep.py
- ``/v1/webhooks``: chalicelib/api/webhooks.py; ``webhook_relay`` (the outbox table's stream)
  and ``webhook_delivery`` (the delivery queue): chalicelib/wiring/webhooks.py
"""

from typing import Any, cast

from chalice import Chalice
from chalice.app import CloudWatchEvent

from chalicelib.config.settings import get_settings
from chalicelib.wiring.expiry_sweep import LambdaContext, run_sweep, sweep_schedule

app = Chalice(app_name="latchkey")


@app.lambda_function(name="authorizer")
def authorizer(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # The management API's Lambda never runs this, so it never imports the
    # authorizer's modules; the authorizer's own Lambda imports them at init (below).
    from chalicelib.authorizer.handler import authorize

    return authorize(event, invocation_id=getattr(context, "aws_request_id", None))


@app.schedule(sweep_schedule(), name="expiry_sweep")
def expiry_sweep(event: CloudWatchEvent) -> dict[str, Any]:
    # Chalice sets app.lambda_context for REST calls only; a scheduled event carries its own
    # (typed as a dict by Chalice, but it is Lambda's context object).
    return run_sweep(cast(LambdaContext, event.context))


@app.lambda_function(name="webhook_relay")
def webhook_relay(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from chalicelib.wiring.webhooks import relay_stream

    return relay_stream(event)


@app.lambda_function(name="webhook_delivery")
def webhook_delivery(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from chalicelib.wiring.webhooks import deliver_batch

    return deliver_batch(event)


# The authorizer's own Lambda (LATCHKEY_ROLE=authorizer) never serves the management API,
# so it skips importing it: pydantic and PynamoDB would add to every cold start.
if get_settings().role != "authorizer":
    from chalicelib.api.registry import register_api

    register_api(app)
else:
    import chalicelib.authorizer.handler  # noqa: F401  (imported during Lambda's init)
