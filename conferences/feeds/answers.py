"""The HTTP answer to a feed request: status, headers and bytes, from the request's
conditional and encoding headers alone.

Pure functions of header strings, shared by the Flask views and by ``fastpath`` (which
has no Flask request), so both give the same answer. Calendar clients repeat the same
few header values on every poll, so parsing them and building the header list are
memoised.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple

from werkzeug.http import http_date, parse_accept_header, parse_etags

from conferences import timeutil
from conferences.feeds.caches import FeedResult

CALENDAR_TYPE = "text/calendar; charset=utf-8"
PRIVATE_CACHE = "private, max-age=300"
PUBLIC_CACHE = "public, max-age=300"
# Header values longer than this are parsed every time rather than remembered.
MEMO_MAX_LENGTH = 256


class FeedAnswer(NamedTuple):
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes  # empty for 304


def feed_answer(
    result: FeedResult,
    *,
    accept_encoding: str | None,
    if_none_match: str | None,
    if_modified_since: str | None,
    cache_control: str,
    filename: str | None = None,
) -> FeedAnswer:
    """The feed, gzipped if accepted, or 304 when the client's validators match."""
    rendered = result.rendered
    gzipped = _accepts_gzip(accept_encoding)
    if _is_not_modified(result, if_none_match, if_modified_since):
        etag = rendered.gzip_etag if gzipped else rendered.etag
        return FeedAnswer(304, _not_modified_headers(etag, cache_control), b"")
    body = rendered.gzipped if gzipped else rendered.body
    headers = _full_headers(
        rendered.gzip_etag if gzipped else rendered.etag,
        result.last_modified,
        cache_control,
        gzipped,
        len(body),
        filename,
    )
    return FeedAnswer(200, headers, body)


def answer_request(
    result: FeedResult,
    environ: Mapping[str, Any],
    cache_control: str,
    filename: str | None = None,
) -> FeedAnswer:
    """``feed_answer`` for the request behind a WSGI ``environ`` (Flask's or a bare one)."""
    return feed_answer(
        result,
        accept_encoding=environ.get("HTTP_ACCEPT_ENCODING"),
        if_none_match=environ.get("HTTP_IF_NONE_MATCH"),
        if_modified_since=environ.get("HTTP_IF_MODIFIED_SINCE"),
        cache_control=cache_control,
        filename=filename,
    )


def _is_not_modified(
    result: FeedResult, if_none_match: str | None, if_modified_since: str | None
) -> bool:
    """If-None-Match wins over If-Modified-Since when both are sent (RFC 9110 13.2.2)."""
    if if_none_match:
        tags = _etags(if_none_match)
        if tags.star_tag:
            return True
        rendered = result.rendered
        return tags.contains_weak(rendered.etag) or tags.contains_weak(rendered.gzip_etag)
    since = _date(if_modified_since) if if_modified_since else None
    return since is not None and result.last_modified.replace(microsecond=0) <= since


def _memoised(parse):
    """``parse`` with short header values remembered (clients repeat them)."""
    remembered = lru_cache(maxsize=1024)(parse)

    def parse_header(value: str):
        return remembered(value) if len(value) <= MEMO_MAX_LENGTH else parse(value)

    return parse_header


_etags = _memoised(parse_etags)
_date = _memoised(timeutil.parse_http_date)
_gzip_quality = _memoised(lambda value: parse_accept_header(value)["gzip"])


def _accepts_gzip(accept_encoding: str | None) -> bool:
    return bool(accept_encoding) and _gzip_quality(accept_encoding) > 0


@lru_cache(maxsize=4096)
def _not_modified_headers(etag: str, cache_control: str) -> tuple[tuple[str, str], ...]:
    return (("ETag", f'"{etag}"'), ("Cache-Control", cache_control), ("Vary", "Accept-Encoding"))


@lru_cache(maxsize=4096)
def _full_headers(
    etag: str,
    last_modified: datetime,
    cache_control: str,
    gzipped: bool,
    length: int,
    filename: str | None,
) -> tuple[tuple[str, str], ...]:
    headers = [
        ("Content-Type", CALENDAR_TYPE),
        ("Content-Length", str(length)),
        ("ETag", f'"{etag}"'),
        ("Last-Modified", http_date(last_modified)),
        ("Cache-Control", cache_control),
        ("Vary", "Accept-Encoding"),
    ]
    if gzipped:
        headers.append(("Content-Encoding", "gzip"))
    if filename:
        headers.append(("Content-Disposition", f'attachment; filename="{filename}"'))
    return tuple(headers)
