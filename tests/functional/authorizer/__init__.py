"""The Lambda authorizer end to end, over moto: every event shape, every outcome.

Events are the AWS SAM samples (REST TOKEN and REQUEST) and an HTTP API payload 2.0 event
as AWS documents it (tests/support/events.py builds them). Policies are judged by an
independent IAM evaluator (tests/support/iam.py), so "allowed" means what API Gateway would
let through. What moto cannot show: API Gateway's own caching and 401/403 mapping, which
these tests stand in for by evaluating each returned policy against other routes.
"""
