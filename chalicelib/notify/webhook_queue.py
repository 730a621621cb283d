"""The delivery queue: SQS in AWS, an in-process timed queue under make dev.

Either carries only a :class:`DeliveryRef` (where the delivery is), never a body or secret.
"""

from __future__ import annotations

import heapq
import threading
import time
from collections.abc import Callable
from typing import Any

from chalicelib.domain.webhooks import DeliveryRef


class SqsQueue:
    """SendMessage with a delay (SQS allows at most 900 s; longer pauses hop)."""

    def __init__(self, url: str, client: Callable[[], Any]) -> None:
        self._url = url
        self._factory = client
        self._client: Any = None
        self._lock = threading.Lock()

    def send(self, ref: DeliveryRef, delay_seconds: int) -> None:
        with self._lock:
            if self._client is None:
                self._client = self._factory()
        self._client.send_message(
            QueueUrl=self._url,
            MessageBody=ref.to_json(),
            DelaySeconds=max(0, min(delay_seconds, 900)),
        )


class LocalQueue:
    """Refs ordered by when they are due; :meth:`due` hands out those whose time came."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._heap: list[tuple[float, int, DeliveryRef]] = []
        self._count = 0
        self._lock = threading.Lock()

    def send(self, ref: DeliveryRef, delay_seconds: int) -> None:
        with self._lock:
            self._count += 1
            heapq.heappush(self._heap, (self._monotonic() + delay_seconds, self._count, ref))

    def due(self) -> list[DeliveryRef]:
        now = self._monotonic()
        ready = []
        with self._lock:
            while self._heap and self._heap[0][0] <= now:
                ready.append(heapq.heappop(self._heap)[2])
        return ready

    def __len__(self) -> int:
        with self._lock:
            return len(self._heap)
