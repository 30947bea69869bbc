"""Gzip for the long attendance pages (a 190-resident roster, a year of sessions).

Those pages are mostly repeated markup: ~200 KB of HTML becomes ~15 KB on the wire, which is
what a coordinator's phone on hospital Wi-Fi notices. Only for clients that ask for it.
"""

from __future__ import annotations

import gzip

from flask import Response, current_app, request

MIN_BYTES = 16 * 1024


def compressed(body: str | Response, status: int = 200) -> Response:
    """``body`` as a response, gzipped when the client accepts it and it is worth it."""
    response = body if isinstance(body, Response) else current_app.make_response((body, status))
    response.vary.add("Accept-Encoding")
    if (
        response.direct_passthrough
        or "Content-Encoding" in response.headers
        or "gzip" not in request.headers.get("Accept-Encoding", "").lower()
    ):
        return response
    data = response.get_data()
    if len(data) < MIN_BYTES:
        return response
    response.set_data(gzip.compress(data, compresslevel=6))
    response.headers["Content-Encoding"] = "gzip"
    return response
