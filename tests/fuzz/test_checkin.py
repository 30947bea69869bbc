"""Fuzzed check-in codes: the parser never raises, and garbage never records attendance."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from conferences.attendance import checkin as codes
from conferences.attendance import checkins
from conferences.attendance.models import Attendance
from conferences.errors import DomainError
from conferences.extensions import db
from tests.fuzz.conftest import ODD_TEXT, fuzz_settings

AT = datetime(2026, 11, 4, 15, 0, tzinfo=UTC)  # the clock fixture's default instant

typed = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=codes.ALPHABET + "01OIL -_–", max_size=12),
    st.sampled_from(ODD_TEXT),
    st.sampled_from(["x" * 41, "A" * 6, "22222２", "ＡＢＣＤＥＦ", "ß" * 6, "ﬀ" * 3]),
)


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(st.none(), typed), secret=st.text(max_size=40))
def test_normalise_and_match_never_raise(text, secret):
    code = codes.normalise(text)
    assert isinstance(code, str)
    assert codes.normalise(code) == code  # idempotent
    well_formed = codes.is_well_formed(code)
    assert well_formed == (len(code) == 6 and set(code) <= set(codes.ALPHABET))
    match = codes.match_code(secret, code, AT)
    assert match in codes.CodeMatch
    if not well_formed:
        assert match is codes.CodeMatch.NO_MATCH


def _attendance_count() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Attendance)) or 0


def _variants(code: str) -> st.SearchStrategy[str]:
    """The real code as people type it: lower case, spaced, dashed."""
    return st.sampled_from(
        [code, code.lower(), f"{code[:3]} {code[3:]}", f" {code[:3]}-{code[3:]} "]
    )


@fuzz_settings(40)
@given(data=st.data())
def test_code_lookup_finds_the_session_or_says_why(program, data):
    real = codes.current_code(program.session.checkin_secret, AT)
    text = data.draw(st.one_of(typed, _variants(real)))
    if codes.normalise(text) != real:
        with pytest.raises(DomainError, match=r"\w"):
            checkins.find_session_for_code(text, AT)
    else:
        assert checkins.find_session_for_code(text, AT).id == program.session.id


@fuzz_settings(40)
@given(data=st.data())
def test_typed_checkin_page_never_fails_and_records_only_real_codes(program, signed_in, data):
    client = signed_in(program.resident)
    real = codes.current_code(program.session.checkin_secret, AT)
    text = data.draw(st.one_of(typed, typed, _variants(real)))
    before = _attendance_count()
    response = client.post("/checkin", data={"code": text})
    assert response.status_code < 500
    after = _attendance_count()
    if codes.normalise(text) != real or len(text) > 40:
        assert response.status_code == 400
        assert after == before
    else:
        assert response.status_code in (200, 303)
        assert after == 1


@fuzz_settings(25)
@given(text=typed)
def test_scanned_checkin_page_never_fails_on_garbage(program, signed_in, text):
    client = signed_in(program.resident)
    before = _attendance_count()
    url = f"/sessions/{program.session.public_id}/checkin"
    assert client.get(url, query_string={"c": text}).status_code < 500
    response = client.post(url, data={"code": text})
    assert response.status_code < 500
    if codes.normalise(text) != codes.current_code(program.session.checkin_secret, AT):
        assert _attendance_count() == before
