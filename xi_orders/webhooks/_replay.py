"""Replay protection: :class:`ReplayGuard`, a bounded in-memory set of accepted eventIds,
and the :class:`ReplayStore` protocol any shared store (a database, Redis) can meet.

Must not import the models, the converter, or the other webhook modules.
"""

from __future__ import annotations

import collections
import threading
from typing import Protocol

from .. import _clock
from ..errors import ValidationError


class ReplayStore(Protocol):
    """What ``replay_guard=`` needs: ``remember(event_id)`` returns True when the id is
    new (and remembers it), False when it was seen before. Must be atomic. A store that
    also has ``forget(event_id)`` lets :class:`WebhookApp` forget the ids of a request
    whose handler failed, so that the sender's retry is accepted.

    Example (a database)::

        class DbStore:
            def remember(self, event_id: str) -> bool:
                return db.insert_ignore("webhook_events", event_id=event_id) == 1
    """

    def remember(self, event_id: str) -> bool:
        """Remember ``event_id``; True if it was not seen before."""
        ...


class ReplayGuard:
    """A bounded, thread-safe, in-memory memory of accepted eventIds.

    Keeps the ``max_entries`` most recent ids (oldest forgotten first) and, with ``ttl``
    (seconds), forgets ids older than that. Per process: with several receiver processes,
    use a shared :class:`ReplayStore`.

    Example::

        guard = ReplayGuard(max_entries=100_000, ttl=7 * 24 * 3600)
        events = parse_events(body, headers, secret, replay_guard=guard)
        guard.remember("N01CIB9VVFYKR9J6ZW")   # False: seen (if that event came in)
    """

    def __init__(self, max_entries: int = 100_000, *, ttl: float | None = None) -> None:
        if max_entries < 1:
            raise ValidationError("max_entries", "must be at least 1")
        if ttl is not None and ttl <= 0:
            raise ValidationError("ttl", "must be positive (or None for no expiry)")
        self.max_entries = max_entries
        self.ttl = ttl
        self._seen: collections.OrderedDict[str, float] = collections.OrderedDict()
        self._lock = threading.Lock()

    def _expire(self, now: float) -> None:
        if self.ttl is None:
            return
        while self._seen:
            oldest, stamp = next(iter(self._seen.items()))
            if now - stamp < self.ttl:
                break
            del self._seen[oldest]

    def remember(self, event_id: str) -> bool:
        """Remember ``event_id``; True if it is new, False if it was seen (a replay)."""
        now = _clock.monotonic()
        with self._lock:
            self._expire(now)
            if event_id in self._seen:
                return False
            self._seen[event_id] = now
            while len(self._seen) > self.max_entries:
                self._seen.popitem(last=False)
            return True

    def forget(self, event_id: str) -> None:
        """Forget ``event_id`` (e.g. its handling failed and a redelivery must be accepted)."""
        with self._lock:
            self._seen.pop(event_id, None)

    def __contains__(self, event_id: object) -> bool:
        with self._lock:
            self._expire(_clock.monotonic())
            return event_id in self._seen

    def __len__(self) -> int:
        with self._lock:
            self._expire(_clock.monotonic())
            return len(self._seen)

    def __repr__(self) -> str:
        return f"ReplayGuard(max_entries={self.max_entries}, ttl={self.ttl}, size={len(self)})"
