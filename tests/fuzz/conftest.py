"""Fuzzing helpers: hypothesis settings, a small populated program, row counts, CSV strategies.

Every property here runs on both backends, so examples are kept few; the strategies lean
towards the inputs that break parsers (odd line endings, NUL, BOM, huge cells, duplicates).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, time

import pytest
from flask import g
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from conferences.extensions import db
from conferences.people.models import Firm, Track, User
from conferences.rotations.models import RotationType
from conferences.schedule.models import Series, Session


def fuzz_settings(examples: int) -> settings:
    """Hypothesis settings for database-backed properties (function-scoped fixtures reused)."""
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


def row_counts() -> dict[str, int]:
    """Rows in every table, read in a fresh transaction (sees what requests committed)."""
    db.session.rollback()
    counts = {
        table.name: db.session.scalar(select(func.count()).select_from(table)) or 0
        for table in db.metadata.sorted_tables
    }
    db.session.rollback()
    return counts


@dataclass
class Program:
    """The objects fuzzed inputs refer to (by name or e-mail), committed."""

    admin: User
    coordinator: User
    resident: User
    faculty: User
    firm: Firm
    track: Track
    rotation: RotationType
    series: Series
    session: Session


@pytest.fixture
def program(make_user, make_resident, make_firm, make_track, make_series, make_session, clock):
    firm = make_firm("Osler")
    track = make_track("Primary Care")
    rotation = RotationType(name="MICU", setting="icu", excuses=True)
    db.session.add(rotation)
    world = Program(
        admin=make_user(roles=("admin",), email="admin@fuzz.test", name="Ada Admin"),
        coordinator=make_user(roles=("coordinator",), email="coord@fuzz.test", name="Cora"),
        resident=make_resident(pgy=1, firm=firm, track=track, email="res@fuzz.test", name="Rita"),
        faculty=make_user(roles=("faculty",), email="fac@fuzz.test", name="Fay Faculty"),
        firm=firm,
        track=track,
        rotation=rotation,
        series=make_series(slug="noon", title="Noon Conference"),
        session=make_session(on=date(2026, 11, 4), start=time(10, 0), title="Grand Rounds"),
    )
    db.session.commit()
    return world


class FreshUserClient:
    """A test client whose every request loads the signed-in user from its own cookie.

    Requests made while a test holds an application context share that context's ``g``,
    where Flask-Login caches the current user; without this, the first user to make a
    request would stay "signed in" on every client.
    """

    def __init__(self, client):
        self.client = client

    def get(self, *args, **kw):
        g.pop("_login_user", None)
        return self.client.get(*args, **kw)

    def post(self, *args, **kw):
        g.pop("_login_user", None)
        return self.client.post(*args, **kw)


@pytest.fixture
def signed_in(app):
    """``signed_in(user)``: a test client signed in as ``user`` (one per user, reused);
    ``signed_in(None)``: a client nobody is signed in on."""
    clients: dict[int | None, FreshUserClient] = {}

    def login(user):
        db.session.commit()
        key = None if user is None else user.id
        if key not in clients:
            client = FreshUserClient(app.test_client())
            if user is not None:
                response = client.post(
                    "/login", data={"email": user.email, "password": "correct-horse-battery"}
                )
                assert response.status_code == 302, response.status_code
            clients[key] = client
        return clients[key]

    return login


# --------------------------------------------------------------------------- strategies

HUGE = ("x" * 300, "é" * 5000, "y" * 140_000)  # the last is over the csv module's field limit
ODD_TEXT = (
    "",
    " ",
    "\x00",
    "a\x00b",
    "\ufeff",
    "\u202e",
    "😀",
    "'; DROP TABLE users; --",
    '"',
    '""',
    "a,b",
    "line\nbreak",
    "cr\ronly",
    "-1",
    "0",
    "99999999999999999999",
    "NaN",
    "1e309",
)
BAD_DATES = ("0000-00-00", "2026-02-30", "2026-13-01", "9999-12-31", "0001-01-01", "31/12/2026")


def cells(plausible: tuple[str, ...]) -> st.SearchStrategy[str]:
    """One CSV cell: mostly plausible domain words, sometimes junk, odd or huge."""
    return st.one_of(
        st.sampled_from(plausible),
        st.sampled_from(plausible),
        st.sampled_from(ODD_TEXT + BAD_DATES),
        st.text(max_size=20),
        st.sampled_from(HUGE),
    )


@st.composite
def csv_documents(draw, columns: tuple[str, ...], plausible: tuple[str, ...]) -> str:
    """A CSV-shaped document: a header from the real columns (shuffled, some missing, some
    unknown or repeated), rows of random width, maybe duplicated rows, any line ending, BOM."""
    header = list(draw(st.permutations(columns)))
    if draw(st.booleans()):
        header = header[: draw(st.integers(0, len(header)))]
    if draw(st.booleans()):
        header.append(draw(st.sampled_from([*columns, "extra", " Date ", "EMAIL", ""])))
    rows = draw(
        st.lists(
            st.lists(cells(plausible), max_size=len(header) + 2),
            max_size=5,
        )
    )
    if rows and draw(st.booleans()):
        rows.append(list(draw(st.sampled_from(rows))))  # a duplicate row
    terminator = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=terminator)
    if draw(st.integers(0, 9)):  # usually a header
        writer.writerow(header)
    writer.writerows(rows)
    text = out.getvalue()
    if draw(st.booleans()):
        text = "\ufeff" + text
    return text


def documents(columns: tuple[str, ...], plausible: tuple[str, ...]) -> st.SearchStrategy[str]:
    """CSV-shaped documents, plus the odd fully arbitrary text."""
    return st.one_of(
        csv_documents(columns, plausible),
        csv_documents(columns, plausible),
        csv_documents(columns, plausible),
        st.text(max_size=200),
    )


def uploads(text_strategy: st.SearchStrategy[str]) -> st.SearchStrategy[bytes]:
    """File bytes: the text as UTF-8, latin-1, UTF-16 or with a BOM, or arbitrary bytes."""
    return st.one_of(
        text_strategy.map(lambda t: t.encode("utf-8")),
        text_strategy.map(lambda t: t.encode("utf-8")),
        text_strategy.map(lambda t: t.encode("latin-1", "replace")),
        text_strategy.map(lambda t: t.encode("utf-16")),
        text_strategy.map(lambda t: b"\xef\xbb\xbf" + t.encode("utf-8")),
        st.binary(max_size=300),
    )


def assert_line_numbered(errors) -> None:
    """The domain error shape: a non-empty list of (line number, message)."""
    assert errors, "a rejection must say why"
    for line, message in errors:
        assert isinstance(line, int)
        assert line >= 0
        assert isinstance(message, str)
        assert message.strip()
