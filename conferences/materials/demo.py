"""Demo data for hybrid sessions: meeting links on a few series, remote check-ins, a
recording with a "watched the recording" claim, and slides on upcoming talks."""

from __future__ import annotations

import secrets

from sqlalchemy import select, update

from conferences import timeutil
from conferences.attendance import recordings
from conferences.attendance.models import Attendance, Mark, Mode
from conferences.errors import DomainError
from conferences.extensions import db
from conferences.materials.models import Material
from conferences.people.models import Role, User, UserRole
from conferences.program.services import bump_counter
from conferences.schedule.models import Series, Session, SessionStatus
from conferences.storage import storage
from conferences.teaching.models import TeachingSlot

HYBRID = {
    "Noon Conference": "https://zoom.example.org/j/81234567890",
    "Medicine Grand Rounds": "https://teams.example.org/l/meetup-join/grand-rounds",
    "Journal Club": "https://meet.example.org/abc-defg-hij",
}
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)


def _coordinator() -> User | None:
    return db.session.scalar(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.COORDINATOR.value)
        .order_by(User.id)
        .limit(1)
    )


def load(ctx) -> None:
    now = timeutil.now_utc()
    series = {
        s.title: s for s in db.session.scalars(select(Series).where(Series.title.in_(HYBRID)))
    }
    for title, link in HYBRID.items():
        if title in series:
            series[title].video_url = link
    bump_counter()

    # About one in eight check-ins at hybrid series were by video.
    hybrid_ids = [s.id for s in series.values()]
    rows = db.session.scalars(
        select(Attendance.id)
        .join(Session, Session.id == Attendance.session_id)
        .where(Session.series_id.in_(hybrid_ids), Attendance.source == "checkin")
        .order_by(Attendance.id)
    ).all()
    remote = [row_id for n, row_id in enumerate(rows) if n % 8 == 3]
    if remote:
        db.session.execute(
            update(Attendance).where(Attendance.id.in_(remote)).values(mode=Mode.REMOTE.value)
        )

    coordinator = _coordinator()
    noon = series.get("Noon Conference")
    if coordinator is not None and noon is not None:
        past = db.session.scalars(
            select(Session)
            .where(
                Session.series_id == noon.id,
                Session.ends_at < now,
                Session.status == SessionStatus.SCHEDULED.value,
            )
            .order_by(Session.starts_at.desc())
            .limit(3)
        ).all()
        for n, session in enumerate(past):
            recordings.set_recording(
                session, f"https://zoom.example.org/rec/share/demo-{n + 1}", coordinator
            )
        if past:
            _claim_one(past[0])

    # Slides on the next few talks that have a presenter.
    upcoming = db.session.execute(
        select(TeachingSlot.session_id, TeachingSlot.holder_id)
        .join(Session, Session.id == TeachingSlot.session_id)
        .where(TeachingSlot.holder_id.is_not(None), Session.starts_at > now)
        .order_by(Session.starts_at)
        .limit(3)
    ).all()
    store = storage()
    for session_id, holder_id in upcoming:
        key = f"{secrets.token_hex(16)}.pdf"
        store.save(key, DEMO_PDF)
        db.session.add(
            Material(
                session_id=session_id,
                filename="Slides.pdf",
                kind="pdf",
                content_type="application/pdf",
                size=len(DEMO_PDF),
                storage_key=key,
                uploaded_by_id=holder_id,
                uploaded_at=now,
            )
        )
    db.session.flush()
    ctx.log(
        f"hybrid: {len(series)} series with meeting links, {len(remote)} remote check-ins, "
        f"{len(upcoming)} sessions with slides"
    )


def _claim_one(session: Session) -> None:
    """A pending "I watched the recording" claim by one resident who missed the session."""
    attended = set(
        db.session.scalars(
            select(Attendance.resident_id).where(
                Attendance.session_id == session.id,
                Attendance.mark.in_([Mark.PRESENT.value, Mark.LATE.value]),
            )
        )
    )
    residents = db.session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.RESIDENT.value, User.active.is_(True))
        .order_by(User.id)
    ).all()
    for resident in residents:
        if resident.id in attended or recordings.claim_problem(session, resident):
            continue
        try:
            recordings.file_claim(session, resident, "Watched the whole recording after clinic.")
        except DomainError:
            continue
        return
