"""The expiry sweep: find keys that crossed a warning threshold, record it, warn their owners.

Guarantee: at most once per key and threshold. Each warning is first recorded on the key
with a conditional write (so of two overlapping runs only one wins it), then sent; a send
that fails is released again so the next run retries it. Only a run killed between the
write and the send loses that warning. docs/expiry-sweep.md says why this side was chosen.

It knows no AWS: the store and the notifier are passed in (chalicelib/storage/sweep.py,
chalicelib/notify/senders.py), and so are the clock and the time the run has left.

The due keys come in shards, and a run reads and records them with up to
``workers`` threads, one shard per thread at a time; the digests go out the same way. A
batch's warnings are recorded in one request, each still on its own key's condition, so
threads (or overlapping runs) never warn twice: this changes how fast, not what is sent.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from itertools import islice
from typing import TypeVar

from chalicelib.domain.expiry import ExpiryPolicy, Plan
from chalicelib.domain.sweep_events import flagged, notice_for, released
from chalicelib.domain.sweep_ports import DueKeys, Notifier, SweepStore
from chalicelib.domain.sweep_report import SweepReport
from chalicelib.domain.warnings import Candidate, Digest, Notice

# Keys read and recorded per request (the remaining time is checked between batches);
# PutEvents takes at most SEND_LIMIT entries, so a batch is sent in pieces of that many.
BATCH = 10
SEND_LIMIT = 10
STOP_MARGIN = timedelta(seconds=10)
log = logging.getLogger(__name__)
__all__ = ["DueKeys", "Notifier", "SweepReport", "SweepService", "SweepStore"]
T = TypeVar("T")
R = TypeVar("R")


class SweepService:
    """Runs the sweep over a store, a notifier, the thresholds and a clock."""

    def __init__(
        self,
        store: SweepStore,
        notifier: Notifier,
        policy: ExpiryPolicy,
        clock: Callable[[], datetime],
        workers: int = 1,
        batch: int = BATCH,
    ) -> None:
        self._store = store
        self._notifier = notifier
        self._policy = policy
        self._clock = clock
        self._workers = workers
        self._batch = batch

    def run(
        self, *, dry_run: bool = False, time_left: Callable[[], timedelta] | None = None
    ) -> SweepReport:
        """One run; stops taking new keys when ``time_left()`` drops under ``STOP_MARGIN``.

        Keys it did not reach stay due in the index, so the next run continues with them.
        Every thread checks the time before each batch it reads; one that finds it short
        stops the others too, and an error in one stops the rest before it is raised.
        """
        report = SweepReport(now=self._clock(), dry_run=dry_run)
        shards = list(self._store.due_by_shard(report.now))
        parts = [SweepReport(now=report.now, dry_run=dry_run) for _ in shards]
        halt = threading.Event()

        def drain(index: int) -> None:
            try:
                self._drain(shards[index], parts[index], time_left, halt)
            except BaseException:
                halt.set()
                raise

        try:
            self._map(drain, range(len(shards)))
        finally:
            for part in parts:
                report.absorb(part)
            report.examined = sum(shard.examined for shard in shards)
            if not dry_run:
                self._send_digests(report)
        return report

    def _drain(
        self,
        due: DueKeys,
        report: SweepReport,
        time_left: Callable[[], timedelta] | None,
        halt: threading.Event,
    ) -> None:
        """Handle one shard's keys, batch by batch, until it is empty or the run stops."""
        candidates = iter(due)
        # The time is checked before each batch is read, so a stop reads nothing more.
        while not halt.is_set():
            if time_left is not None and time_left() < STOP_MARGIN:
                report.stopped_early = True
                halt.set()
                return
            batch = list(islice(candidates, self._batch))
            if not batch:
                return
            self._handle(batch, report)

    def _map(self, work: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """``work`` on each item: inline with one worker, else on up to ``workers`` threads.

        Waits for every item, then raises the first error (of the items' order), if any.
        """
        if self._workers <= 1 or len(items) <= 1:
            return [work(item) for item in items]
        with ThreadPoolExecutor(max_workers=min(self._workers, len(items))) as pool:
            futures = [pool.submit(work, item) for item in items]
        for future in futures:
            error = future.exception()
            if error is not None:
                raise error
        return [future.result() for future in futures]

    def _handle(self, batch: list[Candidate], report: SweepReport) -> None:
        planned: list[tuple[Candidate, Plan, Notice]] = []
        for candidate in batch:
            plan = self._policy.plan(candidate.expires_at, candidate.notified, report.now)
            if plan is None:
                # Due by the index but nothing crossed: the thresholds were reconfigured.
                if not report.dry_run:
                    due = self._policy.next_due(candidate.expires_at, candidate.notified)
                    self._store.reschedule(candidate, due)
                continue
            notice = notice_for(candidate, plan, report.now)
            if report.dry_run:
                report.notices.append(notice)
            else:
                planned.append((candidate, plan, notice))
        if not planned:
            return
        # One conditional write per key, all of the batch's in one request.
        flags = [(c, p, flagged(c, p, report.now)) for c, p, _ in planned]
        recorded = self._store.record_all(flags)
        won = [entry for entry, ok in zip(planned, recorded, strict=True) if ok]
        report.lost_races += len(planned) - len(won)
        if won:
            self._send(won, report)

    def _send(self, won: list[tuple[Candidate, Plan, Notice]], report: SweepReport) -> None:
        for start in range(0, len(won), SEND_LIMIT):
            self._send_some(won[start : start + SEND_LIMIT], won[start:], report)

    def _send_some(
        self,
        some: list[tuple[Candidate, Plan, Notice]],
        unsent: list[tuple[Candidate, Plan, Notice]],
        report: SweepReport,
    ) -> None:
        """One PutEvents of ``some``; if it raises, give back all that is ``unsent``."""
        try:
            failed = self._notifier.send([notice for _, _, notice in some])
        except Exception:
            # Nothing of these is known to have been sent: give them back to the next run.
            for candidate, plan, _ in unsent:
                self._store.release(candidate, plan, released(candidate, plan, report.now))
            report.released += len(unsent)
            raise
        for candidate, plan, notice in some:
            if notice in failed:
                self._store.release(candidate, plan, released(candidate, plan, report.now))
                report.released += 1
            else:
                report.notices.append(notice)

    def _send_digests(self, report: SweepReport) -> None:
        """One SNS message per tenant, on the run's threads (a publish waits ~20-50 ms)."""
        report.digests_failed += sum(self._map(self._send_digest, report.digests()))

    def _send_digest(self, digest: Digest) -> int:
        """Send one digest; 1 if it failed (then logged), else 0."""
        try:
            self._notifier.digest(digest)
        except Exception:
            # The events went out and are the record; a lost digest is only a summary.
            log.exception("expiry digest for tenant %s was not sent", digest.tenant_id)
            return 1
        return 0
