"""Latchkey: API keys for multi-tenant SaaS products, on Chalice and DynamoDB."""
