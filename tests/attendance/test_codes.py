"""Codes rotate every 60 s; the current and previous are accepted, older ones are expired."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from conferences.attendance import checkin as codes

SECRET = "0f" * 20
T0 = datetime(2026, 11, 4, 15, 0, 0, tzinfo=UTC)


def test_code_shape_uses_only_unambiguous_characters():
    code = codes.current_code(SECRET, T0)
    assert len(code) == 6
    assert set(code) <= set(codes.ALPHABET)
    assert not set("01OIL") & set(codes.ALPHABET)


def test_code_is_stable_within_a_step_and_changes_at_the_boundary():
    first = codes.current_code(SECRET, T0)
    assert codes.current_code(SECRET, T0 + timedelta(seconds=59)) == first
    assert codes.current_code(SECRET, T0 + timedelta(seconds=60)) != first


def test_codes_differ_between_sessions():
    assert codes.current_code(SECRET, T0) != codes.current_code("aa" * 20, T0)


def test_acceptance_window_is_current_and_previous_step_only():
    code = codes.current_code(SECRET, T0)
    assert codes.match_code(SECRET, code, T0) is codes.CodeMatch.VALID
    assert codes.match_code(SECRET, code, T0 + timedelta(seconds=119)) is codes.CodeMatch.VALID
    assert codes.match_code(SECRET, code, T0 + timedelta(seconds=120)) is codes.CodeMatch.EXPIRED
    assert codes.match_code(SECRET, code, T0 + timedelta(hours=1)) is codes.CodeMatch.EXPIRED
    # A future code (the screen's clock ahead of the server) is not accepted either.
    assert codes.match_code(SECRET, code, T0 - timedelta(seconds=1)) is codes.CodeMatch.NO_MATCH


def test_seconds_to_next_code():
    assert codes.seconds_to_next_code(T0) == 60
    assert codes.seconds_to_next_code(T0 + timedelta(seconds=45)) == 15


def test_normalise_accepts_spaces_dashes_and_lower_case():
    code = codes.current_code(SECRET, T0)
    typed = f" {code[:3].lower()}-{code[3:]} "
    assert codes.normalise(typed) == code
    assert codes.match_code(SECRET, codes.normalise(typed), T0) is codes.CodeMatch.VALID


@given(st.text(max_size=12))
def test_malformed_input_never_matches(text):
    code = codes.normalise(text)
    if not codes.is_well_formed(code):
        assert codes.match_code(SECRET, code, T0) is codes.CodeMatch.NO_MATCH
