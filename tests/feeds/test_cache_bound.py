"""Feed render caches are bounded by bytes, least recently used first out, so a worker's
memory stays under FEED_CACHE_MAX_BYTES however many distinct feeds are polled."""

from __future__ import annotations

import gc
from datetime import date

import pytest

from conferences.feeds.caches import BODIES_SHARE, RENDERINGS_SHARE, FeedCaches, caches
from conferences.lru import LRU
from conferences.metrics import CACHE_EVENTS


def _count(cache: str, event: str) -> float:
    return CACHE_EVENTS.labels(cache, event)._value.get()


def test_a_byte_bound_evicts_the_least_recently_used_first():
    cache = LRU("test-bytes", max_bytes=100, sizeof=len)
    cache.put("a", b"x" * 40)
    cache.put("b", b"x" * 40)
    assert cache.get("a") is not None  # "b" is now the least recently used
    evictions = _count("test-bytes", "eviction")
    cache.put("c", b"x" * 40)
    assert "b" not in cache
    assert "a" in cache
    assert "c" in cache
    assert cache.bytes == 80
    assert _count("test-bytes", "eviction") == evictions + 1


def test_a_value_larger_than_the_bound_is_not_kept():
    cache = LRU("test-large", max_bytes=100, sizeof=len)
    cache.put("a", b"x" * 40)
    cache.put("huge", b"x" * 101)
    assert "huge" not in cache
    assert cache.bytes <= 100


def test_replacing_a_value_counts_its_bytes_once():
    cache = LRU("test-replace", max_bytes=100, sizeof=len)
    for _ in range(5):
        cache.put("a", b"x" * 60)
    assert (len(cache), cache.bytes) == (1, 60)


def test_a_byte_bound_needs_a_size():
    with pytest.raises(ValueError, match="sizeof"):
        LRU("test-nosize", max_bytes=10)


def test_hits_and_misses_are_counted():
    cache = LRU("test-hits", maxsize=4)
    hits, misses = _count("test-hits", "hit"), _count("test-hits", "miss")
    cache.get("a")
    cache.put("a", 1)
    cache.get("a")
    assert (_count("test-hits", "hit"), _count("test-hits", "miss")) == (hits + 1, misses + 1)


def test_a_value_that_no_longer_holds_is_dropped_as_a_miss():
    cache = LRU("test-valid", max_bytes=100, sizeof=len)
    cache.put("a", b"x" * 40)
    hits, misses = _count("test-valid", "hit"), _count("test-valid", "miss")
    assert cache.get("a", valid=lambda value: len(value) == 40) == b"x" * 40
    assert cache.get("a", valid=lambda value: False) is None
    assert ("a" in cache, cache.bytes) == (False, 0)
    assert (_count("test-valid", "hit"), _count("test-valid", "miss")) == (hits + 1, misses + 1)


@pytest.fixture
def small_caches(app):
    """This test's process keeps at most 48 KB in its feed caches."""
    with app.app_context():
        original = caches()
        app.extensions["feeds"] = FeedCaches(max_bytes=48 * 1024)
        yield app.extensions["feeds"]
        app.extensions["feeds"] = original


def test_polling_many_distinct_feeds_stays_under_the_byte_bound(
    app_ctx, small_caches, client, make_user, make_session, make_slot, feed_url, changed
):
    teachers = [make_user(roles=("faculty",), name=f"Dr Many {n}") for n in range(24)]
    for n, teacher in enumerate(teachers):
        for day in range(10, 16):  # six sessions each, so each feed is a few KB
            make_slot(make_session(on=date(2026, 11, day), title=f"Talk {n}-{day}"), holder=teacher)
    changed()
    urls = [feed_url(teacher) for teacher in teachers]

    first = {url: client.get(url) for url in urls}
    bound = small_caches.max_bytes
    assert all(answer.status_code == 200 for answer in first.values())
    assert len({answer.headers["ETag"] for answer in first.values()}) == len(urls)  # distinct
    assert small_caches.renderings.evictions > 0
    assert small_caches.renderings.bytes <= bound * RENDERINGS_SHARE
    assert small_caches.bodies.bytes <= bound * BODIES_SHARE
    assert small_caches.renderings.bytes + small_caches.bodies.bytes <= bound

    # Evicted renderings are freed (the per-address memo holds weak references only) ...
    gc.collect()
    alive = [rendered for (memo, _size) in small_caches.personal._items.values()
             if (rendered := memo[1]()) is not None]  # fmt: skip
    assert len(alive) == len(small_caches.renderings)
    # ... and a poll of an evicted feed renders the same bytes again.
    again = client.get(urls[0], headers={"If-None-Match": first[urls[0]].headers["ETag"]})
    assert again.status_code == 304
    full = client.get(urls[0])
    assert full.data == first[urls[0]].data


def test_gzip_and_plain_answers_agree_after_the_plain_bytes_were_evicted(
    app_ctx, small_caches, client, make_resident, make_session, feed_url, changed
):
    resident = make_resident(pgy=1)
    make_session(on=date(2026, 11, 10))
    changed()
    url = feed_url(resident)
    plain = client.get(url)
    small_caches.bodies.clear()
    zipped = client.get(url, headers={"Accept-Encoding": "gzip"})
    again = client.get(url)
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert again.data == plain.data
    assert again.headers["ETag"] == plain.headers["ETag"]
