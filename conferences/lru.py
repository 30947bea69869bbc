"""A thread-safe least-recently-used cache, bounded by entries, by bytes, or both.

The feed caches use it for renderings, plain bodies and serialised events (bounded by
bytes, so a worker's memory stays under ``FEED_CACHE_MAX_BYTES`` however many distinct
feeds are polled) and for small memos (bounded by entries); the reports keep their
overviews in one (``REPORT_CACHE_MAX_BYTES``). Hits, misses and evictions are counted for
Prometheus (``conferences.metrics.CACHE_EVENTS``). ``per_app`` makes an app's cache once.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from threading import Lock
from typing import Any, TypeVar

from flask import Flask, current_app

from conferences.metrics import CACHE_EVENTS

T = TypeVar("T")
_per_app_lock = Lock()


def per_app(key: str, make: Callable[[Flask], T]) -> T:
    """The current app's object under ``key`` in ``app.extensions``, made on first use
    (once, however many threads ask at the same moment)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    found = app.extensions.get(key)
    if found is None:
        with _per_app_lock:
            found = app.extensions.setdefault(key, make(app))
    return found


class LRU:
    def __init__(
        self,
        name: str,
        *,
        maxsize: int | None = None,
        max_bytes: int | None = None,
        sizeof: Callable[[Any], int] | None = None,
    ) -> None:
        if max_bytes is not None and sizeof is None:
            raise ValueError("a byte bound needs sizeof")
        self.name = name
        self.maxsize = maxsize
        self.max_bytes = max_bytes
        self._sizeof = sizeof
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._lock = Lock()
        self.bytes = 0
        self.evictions = 0
        self._hit = CACHE_EVENTS.labels(name, "hit")
        self._miss = CACHE_EVENTS.labels(name, "miss")
        self._evicted = CACHE_EVENTS.labels(name, "eviction")

    def get(self, key: Hashable, valid: Callable[[Any], bool] | None = None) -> Any:
        """The value kept under ``key``, or None. A value that ``valid`` says no longer
        holds is dropped and counted as a miss."""
        with self._lock:
            found = self._items.get(key)
            if found is not None and valid is not None and not valid(found[0]):
                del self._items[key]
                self.bytes -= found[1]
                found = None
            if found is None:
                self._miss.inc()
                return None
            self._items.move_to_end(key)
        self._hit.inc()
        return found[0]

    def put(self, key: Hashable, value: Any) -> None:
        size = self._sizeof(value) if self._sizeof is not None else 0
        evicted = 0
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.bytes -= old[1]
            self._items[key] = (value, size)
            self.bytes += size
            while len(self._items) > 1 and self._over():
                _key, (_value, old_size) = self._items.popitem(last=False)
                self.bytes -= old_size
                evicted += 1
            if self._over():  # a single value larger than the whole bound: not kept
                self._items.pop(key)
                self.bytes -= size
                evicted += 1
            self.evictions += evicted
        if evicted:
            self._evicted.inc(evicted)

    def _over(self) -> bool:
        return (self.maxsize is not None and len(self._items) > self.maxsize) or (
            self.max_bytes is not None and self.bytes > self.max_bytes
        )

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._items

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.bytes = 0
