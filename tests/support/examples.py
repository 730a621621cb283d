"""Hypothesis settings, registered once as profiles instead of copied into each module.

``latchkey`` is loaded for every run (tests/conftest.py imports this module): no deadline,
since a shared two-core CI machine makes one example's time noise, and no example database,
so a run writes nothing into the tree and repeats from its seed alone. The other two are
what property tests ask for by name:

- ``pure``: functions without I/O (parsers, rules, policies): many examples, microseconds each.
- ``through_the_app``: whole requests through the app over moto: fewer, slower examples,
  over function-scoped fixtures the test only reads or restores (a table snapshot).

A test that needs more or fewer examples says so on top of a profile:
``settings(PURE, max_examples=300)``.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

settings.register_profile("latchkey", deadline=None, database=None)
settings.register_profile("pure", settings.get_profile("latchkey"), max_examples=200)
settings.register_profile(
    "through_the_app",
    settings.get_profile("latchkey"),
    max_examples=60,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.load_profile("latchkey")

PURE = settings.get_profile("pure")
THROUGH_THE_APP = settings.get_profile("through_the_app")
