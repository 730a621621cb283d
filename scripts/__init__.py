"""Developer tooling: DynamoDB Local and ``make dev``. Never imported by ``chalicelib``."""
