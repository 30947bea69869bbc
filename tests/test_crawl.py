"""Every link a page shows answers: anonymous and each demo role follow same-site links
from the home page over the real demo data, and no link may answer 4xx or 5xx.

The Flask test client does the crawl (a browser adds nothing to "does this address
answer"). To stay within a couple of minutes and still reach every kind of page, at
most a few addresses of each shape are visited (``/sessions/<id>`` is one shape, the
calendar with any query is another), and at most MAX_PAGES per role.
"""

from __future__ import annotations

import re
import time
from collections import Counter, deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest

from conferences.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, load_demo
from conferences.extensions import db

MAX_PAGES = 400
PER_SHAPE = 4
SKIPPED_PREFIXES = ("/logout",)  # sign-out is a POST anyway; never follow it


class _Links(HTMLParser):
    """Addresses a page shows: links, GET form targets, stylesheets, scripts, images."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("a", "link") and values.get("href"):
            self.found.append(values["href"] or "")
        elif tag in ("script", "img") and values.get("src"):
            self.found.append(values["src"] or "")
        elif tag == "form" and (values.get("method") or "get").lower() == "get":
            self.found.append(values.get("action") or "")


_ID_SEGMENT = re.compile(r"^(\d+|[0-9a-f-]{8,}|[A-Za-z0-9_-]{20,})$")


def shape(path: str) -> str:
    """The kind of page: ids and tokens in the path become placeholders, query dropped."""
    parts = [":id" if _ID_SEGMENT.match(part) else part for part in path.split("/")]
    return "/".join(parts)


def same_site(href: str, page: str, site_hosts: set[str]) -> str | None:
    """The path and query of a same-site address shown on ``page``, else None."""
    href = href.strip()
    if not href or href.startswith(("#", "mailto:", "tel:", "javascript:", "data:", "webcal:")):
        return None
    absolute = urljoin("http://localhost" + page, href)
    parts = urlsplit(absolute)
    if parts.scheme not in ("http", "https") or parts.netloc not in site_hosts:
        return None
    path = parts.path or "/"
    return path + (f"?{parts.query}" if parts.query else "")


def crawl(
    client, site_hosts: set[str], pages: list[str] | None = None
) -> tuple[list[tuple[str, int, str]], int]:
    """Visit from "/"; return the broken (address, status, page showing it), and how many
    addresses were fetched. ``pages`` (if given) collects every address that answered an
    HTML page (the accessibility test opens them in a browser)."""
    queue: deque[tuple[str, str]] = deque([("/", "(start)")])
    queued = {"/"}
    per_shape: Counter[str] = Counter()
    broken: list[tuple[str, int, str]] = []
    fetched = 0
    while queue and fetched < MAX_PAGES:
        url, shown_on = queue.popleft()
        answer = client.get(url)
        fetched += 1
        if answer.status_code >= 400:
            broken.append((url, answer.status_code, shown_on))
            continue
        targets: list[str] = []
        if answer.status_code in (301, 302, 303, 307, 308):
            targets.append(answer.headers["Location"])
        elif answer.mimetype == "text/html":
            if pages is not None:
                pages.append(url)
            parser = _Links()
            parser.feed(answer.get_data(as_text=True))
            targets = parser.found
        for href in targets:
            target = same_site(href, url, site_hosts)
            if target is None or target in queued or target.startswith(SKIPPED_PREFIXES):
                continue
            kind = shape(urlsplit(target).path)
            if per_shape[kind] >= PER_SHAPE:
                continue
            per_shape[kind] += 1
            queued.add(target)
            queue.append((target, url))
    return broken, fetched


@pytest.fixture
def demo_program(app_ctx, clock):
    load_demo()
    db.session.commit()
    return app_ctx


@pytest.mark.parametrize("role", [None, *DEMO_ACCOUNTS])
def test_no_shown_link_is_dead(demo_program, role):
    app = demo_program
    client = app.test_client()
    if role is not None:
        signed_in = client.post(
            "/login", data={"email": DEMO_ACCOUNTS[role], "password": DEMO_PASSWORD}
        )
        assert signed_in.status_code in (302, 303)
    hosts = {"localhost", urlsplit(app.config["BASE_URL"]).netloc}
    started = time.perf_counter()
    broken, fetched = crawl(client, hosts)
    assert fetched >= (3 if role is None else 20), f"only {fetched} addresses reached"
    assert not broken, f"dead links for {role or 'anonymous'} ({fetched} fetched in " + (
        f"{time.perf_counter() - started:.0f} s): {broken}"
    )


def test_the_crawler_finds_a_dead_link(app_ctx, client):
    """The crawl reports a shown link that answers 404 (the overview's CSV link did)."""
    from flask import Flask

    other = Flask("dead-link")
    other.add_url_rule("/", "home", lambda: '<a href="/reports/export/overview.csv">CSV</a>')
    broken, fetched = crawl(other.test_client(), {"localhost"})
    assert broken == [("/reports/export/overview.csv", 404, "/")]
    assert fetched == 2
