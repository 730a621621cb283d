"""``make bench``: the route matcher's worst case, in microseconds (no database).

Each pattern is one a group may hold (at most 8 stars, 256 characters) chosen to make a
backtracking matcher explode; each path is 8 KiB, longer than API Gateway passes on. The
figure is the median of several decisions, beside an ordinary route for scale. Before
the wildcard matcher the first row took seconds on a 200-character path (README, "Route patterns").
"""

from __future__ import annotations

import statistics
import time

from chalicelib.domain.routes import MAX_STARS, normalize_pattern, route_allowed

RUNS = 25
EIGHT_KIB = 8 * 1024
CASES = [
    ("stars then a missing letter", "GET /*a*a*a*a*a*a*a*b", "/" + "a" * (EIGHT_KIB - 1)),
    ("stars between slashes", "GET /*/*/*/*/*/*/*/x", "/" * EIGHT_KIB),
    (
        "the issue's nested route",
        "GET /tenants/*/orders/*/items/*/notes/*/x",
        "/tenants/" + "/orders/" * ((EIGHT_KIB - 9) // 8),
    ),
    ("long runs that almost match", "* /*" + "a" * 100 + "b*a*", "/" + "a" * (EIGHT_KIB - 1)),
    ("eight '*ab' runs", "GET /" + "*ab" * MAX_STARS, "/" + "ab" * (EIGHT_KIB // 2 - 1) + "a"),
    ("dot-segment search", "GET /orders/*", "/orders/" + "a." * ((EIGHT_KIB - 8) // 2)),
    ("an ordinary route (for scale)", "GET /orders/*", "/orders/7"),
]


def median_us(pattern: str, path: str) -> float:
    patterns = (normalize_pattern(pattern),)
    route_allowed(patterns, "GET", path)  # warm the pattern cache
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        route_allowed(patterns, "GET", path)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1e6


def main() -> None:
    print(f"\nRoute matcher, worst cases (median of {RUNS}; paths of 8 KiB)\n")
    print(f"{'case':<34}{'path chars':>11}{'us':>10}  target")
    worst = 0.0
    for name, pattern, path in CASES:
        elapsed = median_us(pattern, path)
        worst = max(worst, elapsed)
        print(f"{name:<34}{len(path):>11}{elapsed:>10.1f}  < 1000")
    print(f"{'worst case':<34}{'':>11}{worst:>10.1f}  < 1000")


if __name__ == "__main__":
    main()
