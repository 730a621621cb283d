"""Operations: JSON log lines and CloudWatch embedded-metric-format (EMF) metrics.

``log`` and ``metrics`` are standard library only, so the authorizer (the hot path) can
use them; ``toolkit`` builds the Powertools Logger and Metrics the management API and the
sweep use, which write the same shapes.
"""
