"""Slot rules at the service level: eligibility, cut-off, swaps, assignment, templates."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import event, select, update

from conferences.errors import Conflict, DomainError, NotAllowed
from conferences.extensions import db
from conferences.notifications.models import OutboxMessage
from conferences.program import services as program
from conferences.schedule.models import SessionStatus
from conferences.schedule.signals import session_changed, sessions_created
from conferences.teaching.handover import (
    assign_slot,
    claim_slot,
    edit_talk,
    offer_swap,
    release_cutoff,
    release_slot,
    request_release,
    unassign_slot,
    withdraw_swap,
)
from conferences.teaching.models import SlotTemplate, TeachingSlot
from conferences.teaching.queries import (
    SlotFilters,
    holds_slot_on,
    needs_teacher,
    open_slot_count,
    open_slots,
    pending_release_requests,
    slots_by_session,
)
from conferences.teaching.slots import (
    TemplateRow,
    apply_template,
    ensure_slots_for_sessions,
    remove_slot,
    set_slot_template,
)

SESSION_DAY = date(2026, 11, 30)  # clock default is 2026-11-04; cut-off 2026-11-23 noon


def outbox(to=None) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if to is not None:
        query = query.where(OutboxMessage.to_email == to.email)
    return list(db.session.scalars(query))


def reload(slot: TeachingSlot) -> TeachingSlot:
    db.session.expire_all()
    return db.session.get(TeachingSlot, slot.id)


# --- eligibility ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("roles", "eligibility", "allowed"),
    [
        (("faculty",), "faculty", True),
        (("faculty",), "resident", False),
        (("faculty",), "both", True),
        (("resident",), "faculty", False),
        (("resident",), "resident", True),
        (("resident",), "both", True),
        (("coordinator",), "faculty", False),
        (("coordinator",), "both", False),
    ],
)
def test_eligibility_by_role(clock, make_user, make_slot, roles, eligibility, allowed):
    person = make_user(roles=roles)
    slot = make_slot(eligibility=eligibility)
    if allowed:
        claim_slot(slot, person)
        assert reload(slot).holder_id == person.id
    else:
        with pytest.raises(NotAllowed):
            claim_slot(slot, person)
        assert reload(slot).holder_id is None
        assert outbox() == []


def test_claim_sets_holder_touches_session_and_mails_claimant(clock, faculty, make_slot):
    slot = make_slot()
    session = slot.session
    revision, counter = session.revision, program.counter_value()
    claim_slot(slot, faculty)
    slot = reload(slot)
    assert slot.holder_id == faculty.id
    assert slot.claimed_at == clock.at
    assert slot.session.revision == revision + 1
    assert slot.session.updated_at == clock.at
    assert program.counter_value() == counter + 1
    [message] = outbox(faculty)
    assert "You are teaching" in message.subject


def test_cannot_claim_on_cancelled_or_past_session(clock, faculty, make_session, make_slot):
    cancelled = make_session(on=SESSION_DAY, status=SessionStatus.CANCELLED.value)
    past = make_session(on=date(2026, 11, 2))
    for session in (cancelled, past):
        slot = make_slot(session=session)
        with pytest.raises(Conflict):
            claim_slot(slot, faculty)
        assert reload(slot).holder_id is None
    assert outbox() == []


def test_cannot_claim_a_taken_slot(clock, faculty, other_faculty, make_slot):
    slot = make_slot(holder=other_faculty)
    with pytest.raises(Conflict, match="already taken"):
        claim_slot(slot, faculty)
    with pytest.raises(Conflict, match="already hold"):
        claim_slot(slot, other_faculty)
    assert reload(slot).holder_id == other_faculty.id


def test_losing_the_update_is_a_conflict_even_if_the_read_looked_open(
    clock, faculty, other_faculty, make_slot
):
    """The database decides: a stale "open" read cannot overwrite a holder."""
    slot = make_slot()
    db.session.execute(
        update(TeachingSlot)
        .where(TeachingSlot.id == slot.id)
        .values(holder_id=other_faculty.id)
        .execution_options(synchronize_session=False)
    )
    assert slot.holder_id is None  # the in-memory object still looks open
    with pytest.raises(Conflict, match="Someone else took"):
        claim_slot(slot, faculty)
    assert reload(slot).holder_id == other_faculty.id


# --- release and the cut-off -----------------------------------------------------


def test_release_allowed_until_cutoff(clock, faculty, coordinator, make_slot):
    slot = make_slot(holder=faculty, talk_title="Sepsis")
    # Cut-off: 7 days before 2026-11-30 12:00 EST = 2026-11-23 17:00 UTC.
    clock.set(datetime(2026, 11, 23, 16, 59, tzinfo=UTC))
    release_slot(slot, faculty)
    slot = reload(slot)
    assert slot.holder_id is None
    assert slot.talk_title == ""
    [notice] = outbox(coordinator)
    assert notice.subject.startswith("Slot released")


def test_release_after_cutoff_is_refused_and_changes_nothing(clock, faculty, make_slot):
    slot = make_slot(holder=faculty)
    clock.set(datetime(2026, 11, 23, 17, 0, tzinfo=UTC))
    with pytest.raises(Conflict, match="cut-off"):
        release_slot(slot, faculty)
    assert reload(slot).holder_id == faculty.id
    assert outbox() == []


def test_cutoff_follows_the_program_setting(clock, faculty, make_slot):
    program.get_settings().release_cutoff_days = 30
    slot = make_slot(holder=faculty)
    with pytest.raises(Conflict):
        release_slot(slot, faculty)
    program.get_settings().release_cutoff_days = 7
    release_slot(slot, faculty)
    assert reload(slot).holder_id is None


def test_only_the_holder_releases(clock, faculty, other_faculty, make_slot):
    slot = make_slot(holder=faculty)
    with pytest.raises(NotAllowed):
        release_slot(slot, other_faculty)
    assert reload(slot).holder_id == faculty.id


def test_request_release_only_after_cutoff_and_coordinator_sees_it(
    clock, faculty, coordinator, make_slot
):
    slot = make_slot(holder=faculty)
    with pytest.raises(DomainError, match="release this slot yourself"):
        request_release(slot, faculty, "sick")
    clock.set(datetime(2026, 11, 25, 12, 0, tzinfo=UTC))
    request_release(slot, faculty, "Family emergency")
    assert [s.id for s in pending_release_requests()] == [slot.id]
    [message] = outbox(coordinator)
    assert "Family emergency" in message.body
    assert reload(slot).holder_id == faculty.id  # kept until a coordinator acts
    with pytest.raises(Conflict):
        request_release(slot, faculty, "again")


# --- swap ------------------------------------------------------------------------------


def test_swap_keeps_holder_until_taken_then_taker_holds(clock, faculty, other_faculty, make_slot):
    slot = make_slot(holder=faculty, talk_title="Old talk")
    offer_swap(slot, faculty)
    assert reload(slot).holder_id == faculty.id
    assert [s.id for s in open_slots(other_faculty)] == [slot.id]
    assert open_slots(faculty) == []  # not offered to oneself
    claim_slot(reload(slot), other_faculty)
    slot = reload(slot)
    assert slot.holder_id == other_faculty.id
    assert not slot.swap_offered
    assert slot.talk_title == ""
    assert any("taken over" in m.subject for m in outbox(faculty))


def test_swap_claim_checks_the_previous_holder(clock, faculty, other_faculty, make_user, make_slot):
    third = make_user(roles=("faculty",))
    slot = make_slot(holder=faculty)
    offer_swap(slot, faculty)
    stale = reload(slot)
    # Meanwhile, someone else took it over and offered it again.
    db.session.execute(
        update(TeachingSlot)
        .where(TeachingSlot.id == slot.id)
        .values(holder_id=third.id, swap_offered=True)
        .execution_options(synchronize_session=False)
    )
    with pytest.raises(Conflict):
        claim_slot(stale, other_faculty)
    assert reload(slot).holder_id == third.id


def test_withdraw_swap(clock, faculty, other_faculty, make_slot):
    slot = make_slot(holder=faculty)
    offer_swap(slot, faculty)
    withdraw_swap(slot, faculty)
    assert open_slots(other_faculty) == []
    with pytest.raises(NotAllowed):
        offer_swap(slot, other_faculty)


# --- talk details ---------------------------------------------------------------------


def test_edit_talk_by_holder_and_coordinator_only(
    clock, faculty, other_faculty, coordinator, make_slot
):
    slot = make_slot(holder=faculty)
    revision = slot.session.revision
    edit_talk(
        slot, faculty, title="Hyponatremia", abstract="Salt.", materials_url="https://x.test/s"
    )
    assert reload(slot).talk_title == "Hyponatremia"
    assert reload(slot).session.revision == revision + 1
    with pytest.raises(NotAllowed):
        edit_talk(slot, other_faculty, title="Hijack", abstract="", materials_url="")
    assert reload(slot).talk_title == "Hyponatremia"
    edit_talk(slot, coordinator, title="Hyponatremia II", abstract="", materials_url="")
    assert reload(slot).talk_title == "Hyponatremia II"


def test_edit_talk_rejects_non_web_links(clock, faculty, make_slot):
    slot = make_slot(holder=faculty)
    with pytest.raises(DomainError) as error:
        edit_talk(slot, faculty, title="T", abstract="", materials_url="javascript:alert(1)")
    assert error.value.field == "materials_url"
    assert reload(slot).talk_title == ""


# --- coordinator ------------------------------------------------------------------------


def test_assign_and_unassign(clock, faculty, other_faculty, coordinator, resident, make_slot):
    slot = make_slot(holder=faculty)
    with pytest.raises(NotAllowed):
        assign_slot(slot, resident, coordinator)
    assign_slot(slot, other_faculty, coordinator)
    assert reload(slot).holder_id == other_faculty.id
    assert any("assigned" in m.subject for m in outbox(other_faculty))
    assert any("released from teaching" in m.subject for m in outbox(faculty))
    unassign_slot(reload(slot), coordinator)
    assert reload(slot).holder_id is None
    assert len(outbox(other_faculty)) == 2


def test_coordinator_can_assign_after_cutoff_but_not_on_cancelled(
    clock, faculty, coordinator, make_session, make_slot
):
    clock.set(datetime(2026, 11, 28, 12, 0, tzinfo=UTC))
    slot = make_slot()
    assign_slot(slot, faculty, coordinator)
    assert reload(slot).holder_id == faculty.id
    cancelled = make_slot(session=make_session(on=SESSION_DAY, status="cancelled"))
    with pytest.raises(Conflict):
        assign_slot(cancelled, faculty, coordinator)


def test_removing_a_held_slot_notifies_the_holder(clock, faculty, coordinator, make_slot):
    slot = make_slot(holder=faculty)
    session = slot.session
    revision = session.revision
    remove_slot(slot, coordinator)
    assert db.session.get(TeachingSlot, slot.id) is None
    assert session.revision == revision + 1
    [message] = outbox(faculty)
    assert "removed" in message.subject


def test_needs_teacher_soonest_first_within_weeks(clock, faculty, make_session, make_slot):
    later = make_slot(session=make_session(on=date(2026, 11, 20)))
    sooner = make_slot(session=make_session(on=date(2026, 11, 9)))
    make_slot(session=make_session(on=date(2026, 11, 10)), holder=faculty)  # filled
    make_slot(session=make_session(on=date(2027, 1, 10)))  # too far
    assert [s.id for s in needs_teacher(weeks=4)] == [sooner.id, later.id]
    assert [s.id for s in needs_teacher(weeks=1)] == [sooner.id]


def test_open_slots_filters(clock, faculty, make_series, make_session, make_slot):
    series = make_series(title="Noon")
    noon = make_slot(
        session=make_session(on=date(2026, 11, 10), series_id=series.id, kind="noon_conference")
    )
    jc = make_slot(
        session=make_session(on=date(2026, 11, 20), kind="journal_club"),
        role="journal_club_presenter",
        eligibility="both",
    )
    make_slot(session=make_session(on=date(2026, 11, 12)), eligibility="resident")
    everything = open_slots(faculty)
    assert [s.id for s in everything] == [noon.id, jc.id]
    f = SlotFilters
    assert [s.id for s in open_slots(faculty, f(kind="journal_club"))] == [jc.id]
    assert [s.id for s in open_slots(faculty, f(series_id=series.id))] == [noon.id]
    assert [s.id for s in open_slots(faculty, f(role="journal_club_presenter"))] == [jc.id]
    window = f(start_on=date(2026, 11, 15), end_on=date(2026, 11, 20))
    assert [s.id for s in open_slots(faculty, window)] == [jc.id]
    assert open_slot_count(faculty) == 2


# --- templates -------------------------------------------------------------------------


def test_apply_template_adds_missing_slots_to_upcoming_sessions_only(
    clock, faculty, coordinator, make_series, make_session, make_slot
):
    series = make_series()
    past = make_session(on=date(2026, 11, 2), series_id=series.id)
    held = make_session(on=date(2026, 11, 10), series_id=series.id)
    bare = make_session(on=date(2026, 11, 11), series_id=series.id)
    make_slot(session=held, role="lecturer", holder=faculty)
    extra = make_slot(session=held, role="other")
    set_slot_template(
        series,
        [TemplateRow("lecturer"), TemplateRow("discussant", "both")],
        coordinator,
    )
    assert apply_template(series) == 2
    slots = slots_by_session([past.id, held.id, bare.id])
    assert past.id not in slots
    assert sorted(s.role for s in slots[held.id]) == ["discussant", "lecturer", "other"]
    assert [(s.role, s.eligibility) for s in slots[bare.id]] == [
        ("lecturer", "faculty"),
        ("discussant", "both"),
    ]
    # Applying again changes nothing; pruning removes only the open, untemplated slot.
    assert apply_template(series) == 0
    assert apply_template(series, prune=True) == 1
    assert db.session.get(TeachingSlot, extra.id) is None
    lecturer = [s for s in slots_by_session([held.id])[held.id] if s.role == "lecturer"]
    assert lecturer[0].holder_id == faculty.id


def test_template_rejects_unknown_roles(app_ctx, coordinator, make_series):
    series = make_series()
    with pytest.raises(DomainError):
        set_slot_template(series, [TemplateRow("juggler")], coordinator)
    assert db.session.scalars(select(SlotTemplate)).all() == []


def test_created_sessions_get_their_template_slots(clock, coordinator, make_series, make_session):
    series = make_series()
    set_slot_template(series, [TemplateRow("moderator")], coordinator)
    session = make_session(on=date(2026, 12, 1), series_id=series.id)
    sessions_created.send(None, sessions=[session], actor=coordinator)
    assert [s.role for s in slots_by_session([session.id])[session.id]] == ["moderator"]
    # A second signal (or ensure call) does not duplicate them.
    assert ensure_slots_for_sessions([session]) == 0


@pytest.mark.parametrize(("change", "subject"), [("moved", "moved"), ("cancelled", "cancelled")])
def test_holders_are_mailed_when_their_session_moves_or_is_cancelled(
    clock, faculty, other_faculty, make_slot, change, subject
):
    slot = make_slot(holder=faculty)
    make_slot(session=slot.session, role="discussant")  # open: nobody to tell
    session_changed.send(slot.session, change=change, actor=None)
    [message] = outbox()
    assert message.to_email == faculty.email
    assert subject in message.subject.lower()
    session_changed.send(slot.session, change="edited", actor=None)
    assert len(outbox()) == 1


def test_slots_by_session_is_one_query(clock, make_user, make_session, make_slot):
    sessions = [make_session(on=date(2026, 11, 10 + i)) for i in range(4)]
    for session in sessions:
        make_slot(session=session, holder=make_user())
        make_slot(session=session, role="discussant")
    db.session.commit()
    ids = [s.id for s in sessions]
    db.session.expire_all()
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        result = slots_by_session(ids)
        names = [slot.holder.name for slots in result.values() for slot in slots if slot.holder]
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(names) == 4
    assert len(statements) == 1


def test_holds_slot_on(clock, faculty, other_faculty, make_slot):
    slot = make_slot(holder=faculty)
    assert holds_slot_on(faculty, slot.session)
    assert not holds_slot_on(other_faculty, slot.session)


def test_time_of_session_is_local(clock, make_session):
    session = make_session(on=SESSION_DAY, start=time(12, 0))
    assert release_cutoff(session) == datetime(2026, 11, 23, 17, 0, tzinfo=UTC)


def test_generating_a_series_gives_every_session_its_template_slots(
    clock, coordinator, make_series
):
    from conferences.schedule import series_changes

    series = make_series(starts_on=date(2026, 11, 9), ends_on=date(2026, 11, 20))
    set_slot_template(series, [TemplateRow("lecturer")], coordinator)
    result = series_changes.generate_sessions(series, coordinator)
    ids = [s.id for s in series.sessions]
    assert len(ids) == result.created_count > 0
    slots = slots_by_session(ids)
    assert all([slot.role for slot in slots[i]] == ["lecturer"] for i in ids)
