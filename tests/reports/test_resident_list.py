"""The residents report a page at a time (searched, sorted, narrowed to those below the
threshold on the server), the overview's short below-threshold list, and one resident's
evaluation reading only their own sessions."""

from __future__ import annotations

from datetime import date, timedelta

from conferences.attendance.evaluation import evaluate
from conferences.attendance.models import Attendance
from conferences.extensions import db
from conferences.program.services import set_threshold
from conferences.reports import overview as overview_module
from conferences.reports import views as report_views
from conferences.reports.filters import Filters
from conferences.reports.overview import ResidentQuery, overview, resident_page
from conferences.reports.participation import participation
from conferences.reports.resident import resident_report

YEAR = Filters(date(2026, 7, 1), date(2027, 6, 30))
NAMES = ("Ada Able", "Ben Bright", "Cal Crane", "Dee Dale", "Eve East")


def _program(make_resident, make_session):
    """Five residents, two held sessions for all: Ada and Ben attended both, Cal one, Dee
    and Eve none (70 % threshold: Cal, Dee and Eve are below)."""
    set_threshold(2026, 70)
    people = {name: make_resident(name=name) for name in NAMES}
    sessions = [make_session(on=date(2026, 10, 5)), make_session(on=date(2026, 10, 6))]
    attended = {"Ada Able": sessions, "Ben Bright": sessions, "Cal Crane": sessions[:1]}
    for name, held in attended.items():
        for session in held:
            db.session.add(
                Attendance(
                    session_id=session.id, resident_id=people[name].id, mark="present", source="x"
                )
            )
    db.session.commit()
    return people


def _names(page) -> list[str]:
    return [line.name for line in page.lines]


def test_a_page_of_residents_is_searched_sorted_and_narrowed(clock, make_resident, make_session):
    _program(make_resident, make_session)
    view = overview(YEAR)

    first = resident_page(view, ResidentQuery(), per_page=2)
    assert _names(first) == ["Ada Able", "Ben Bright"]
    assert (first.total, first.pages, first.has_prev, first.has_next) == (5, 3, False, True)
    last = resident_page(view, ResidentQuery(page=99), per_page=2)  # past the end: the last
    assert (_names(last), last.page) == (["Eve East"], 3)

    lowest = resident_page(view, ResidentQuery(sort="rate"), per_page=3)
    assert _names(lowest) == ["Dee Dale", "Eve East", "Cal Crane"]
    highest = resident_page(view, ResidentQuery.read({"sort": "-rate"}), per_page=2)
    assert _names(highest) == ["Ben Bright", "Ada Able"]

    below = resident_page(view, ResidentQuery.read({"below": "1"}), per_page=10)
    assert _names(below) == ["Cal Crane", "Dee Dale", "Eve East"]
    found = resident_page(view, ResidentQuery.read({"q": " DALE ", "below": "1"}))
    assert _names(found) == ["Dee Dale"]

    unreadable = ResidentQuery.read({"sort": "salary", "page": "x"})
    assert (unreadable.sort, unreadable.descending, unreadable.page) == ("name", False, 1)


def test_residents_page_shows_one_page_and_links_the_rest(
    clock, make_resident, make_session, make_user, client, auth, monkeypatch
):
    _program(make_resident, make_session)
    make_user(roles=("coordinator",), email="coord@example.test")
    db.session.commit()
    auth.login("coord@example.test")
    monkeypatch.setattr(overview_module, "RESIDENTS_PER_PAGE", 2)
    args = "start=2026-07-01&end=2027-06-30"

    page = client.get(f"/reports/residents?{args}&below=1")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Cal Crane" in text
    assert "Dee Dale" in text
    assert "Eve East" not in text
    assert "Ada Able" not in text
    assert "1–2 of 3" in text
    assert "page=2" in text
    assert "below=1" in text
    second = client.get(f"/reports/residents?{args}&below=1&page=2").get_data(as_text=True)
    assert "Eve East" in second
    assert "Cal Crane" not in second
    # The download still has every resident.
    export = client.get(f"/reports/export/residents.csv?{args}").data.decode("utf-8-sig")
    assert all(name in export for name in NAMES)

    monkeypatch.setattr(report_views, "BELOW_SHOWN", 1)
    overview_page = client.get(f"/reports?{args}").get_data(as_text=True)
    below = overview_page[overview_page.index('data-table="below"') :]
    assert "Dee Dale" in below  # lowest rate first
    assert "Eve East" not in below
    assert "Cal Crane" not in below
    assert "all residents below the threshold" in overview_page


def test_one_residents_evaluation_reads_only_their_sessions(
    clock, make_firm, make_resident, make_session
):
    """Sessions of another firm are left out, unless the resident has a mark at one; a
    back-dated session counts once anyone has a mark there, as ``decide`` says."""
    mine, theirs = make_firm(), make_firm()
    me = make_resident(firm=mine)
    other = make_resident(firm=theirs)
    own = make_session(on=date(2026, 10, 5), audience={"firms": [mine.id]})
    elsewhere = make_session(on=date(2026, 10, 5), audience={"firms": [theirs.id]})
    visited = make_session(on=date(2026, 10, 6), audience={"firms": [theirs.id]})
    backdated = make_session(on=date(2026, 10, 7), audience={"firms": [mine.id]})
    backdated.created_at = backdated.ends_at + timedelta(days=1)
    for session, resident in ((visited, me), (backdated, other)):
        db.session.add(
            Attendance(session_id=session.id, resident_id=resident.id, mark="present", source="x")
        )
    db.session.flush()

    narrow = evaluate(YEAR.start_on, YEAR.end_on, resident_ids=[me.id], their_sessions_only=True)
    assert {s.id for s in narrow.sessions} == {own.id, visited.id, backdated.id}
    assert elsewhere.id not in {s.id for s in narrow.sessions}
    full = evaluate(YEAR.start_on, YEAR.end_on, resident_ids=[me.id])
    assert elsewhere.id in {s.id for s in full.sessions}
    by_id = {s.id: s for s in full.sessions}
    for session in narrow.sessions:
        assert narrow.status(session, me.id) == full.status(by_id[session.id], me.id)
    assert narrow.totals_by_resident()[me.id] == full.totals_by_resident()[me.id] == (2, 0, 0)
    assert {s.id: s.counted for s in narrow.sessions}[backdated.id]


def test_one_residents_participation_reads_only_their_sessions(
    clock, make_firm, make_resident, make_session
):
    """A resident's "how I took part" (their attendance page) reads their own sessions
    only, and counts what the whole program's evaluation counts for them."""
    mine, theirs = make_firm(), make_firm()
    me = make_resident(firm=mine)
    other = make_resident(firm=theirs)
    sessions = [
        make_session(on=date(2026, 10, day), audience={"firms": [mine.id]}) for day in (5, 6, 7, 8)
    ]
    make_session(on=date(2026, 10, 5), audience={"firms": [theirs.id]})
    visited = make_session(on=date(2026, 10, 9), audience={"firms": [theirs.id]})
    marks = (
        (sessions[0], me, "present", "room"),
        (sessions[1], me, "late", "remote"),
        (sessions[2], me, "present", "recording"),
        (sessions[3], me, "excused", "room"),
        (visited, me, "present", "room"),
        (visited, other, "late", "room"),
    )
    for session, resident, mark, mode in marks:
        db.session.add(
            Attendance(
                session_id=session.id, resident_id=resident.id, mark=mark, mode=mode, source="x"
            )
        )
    db.session.flush()

    mine_only = resident_report(me, YEAR).participation
    everyone = participation(evaluate(YEAR.start_on, YEAR.end_on))[me.id]
    assert mine_only == everyone
    assert (mine_only.expected, mine_only.in_room, mine_only.remote, mine_only.late) == (3, 1, 1, 1)
    assert (mine_only.recording, mine_only.excused) == (1, 1)
