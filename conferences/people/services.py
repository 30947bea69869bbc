"""Accounts, roles, firms and tracks, and the program settings admins change.

Plain arguments in, model objects out; every function takes the acting person,
flushes and leaves the commit to its caller.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import Select, exists, func, or_, select

from conferences import timeutil
from conferences.audit.services import record
from conferences.errors import DomainError
from conferences.extensions import db
from conferences.people.models import Firm, Role, Track, User, UserRole, normalise_email
from conferences.people.passwords import check_password_strength
from conferences.people.signals import access_reduced
from conferences.program import services as program
from conferences.program.models import ProgramSettings
from conferences.text import one_line

# How far from the current academic year a resident's start year may be.
START_YEAR_PAST = 15
START_YEAR_FUTURE = 1


# --- validation shared by the forms, the roster import and the CLI -----------------------


def clean_email(raw: str) -> str:
    """A syntactically valid address, lower-cased; raises DomainError otherwise."""
    try:
        # test_environment allows the reserved .test domain the demo accounts live under.
        result = validate_email(
            (raw or "").strip(), check_deliverability=False, test_environment=True
        )
    except EmailNotValidError as error:
        message = f"“{raw}” is not a valid e-mail address ({str(error).rstrip('.')})."
        raise DomainError(message, field="email") from None
    return normalise_email(result.normalized)


def parse_roles(values: Iterable[str]) -> set[Role]:
    roles: set[Role] = set()
    for value in values:
        name = value.strip().lower()
        if not name:
            continue
        try:
            roles.add(Role(name))
        except ValueError:
            known = ", ".join(r.value for r in Role)
            message = f"Unknown role “{value.strip()}” (use {known})."
            raise DomainError(message, field="roles") from None
    return roles


def check_start_year(start_year: int | None, roles: set[Role]) -> None:
    if start_year is None:
        if Role.RESIDENT in roles:
            raise DomainError("Residents need a start year.", field="start_year")
        return
    current = timeutil.current_academic_year()
    if not current - START_YEAR_PAST <= start_year <= current + START_YEAR_FUTURE:
        raise DomainError(
            f"The start year must be between {current - START_YEAR_PAST} "
            f"and {current + START_YEAR_FUTURE}.",
            field="start_year",
        )


def email_taken(email: str, except_id: int | None = None) -> bool:
    query = select(User.id).where(User.email == normalise_email(email))
    if except_id is not None:
        query = query.where(User.id != except_id)
    return db.session.scalar(query) is not None


def _feed_facts(user: User) -> tuple:
    """What calendar feeds show of a person: the audiences a resident belongs to, and the
    name printed beside the sessions a faculty member teaches."""
    return (user.is_resident, user.active, user.start_year, user.firm_id, user.track_id, user.name)


def _role_names(roles: Iterable[Role]) -> list[str]:
    return sorted(r.value for r in roles)


# --- accounts ------------------------------------------------------------------------------


@dataclass
class UserData:
    """The fields an admin sets on an account."""

    email: str
    name: str
    roles: set[Role]
    start_year: int | None = None
    track_id: int | None = None
    firm_id: int | None = None


NAME_MAX_LENGTH = 200


def clean_name(raw: str | None) -> str:
    """A person's name as stored: one line (``conferences.text.one_line``), runs of
    spaces collapsed; present and short enough."""
    name = " ".join(one_line(raw).split())
    if not name:
        raise DomainError("A name is needed.", field="name")
    if len(name) > NAME_MAX_LENGTH:
        raise DomainError(f"The name is longer than {NAME_MAX_LENGTH} characters.", field="name")
    return name


def _check(data: UserData, user_id: int | None = None) -> UserData:
    email = clean_email(data.email)
    name = clean_name(data.name)
    if email_taken(email, except_id=user_id):
        raise DomainError(f"Another account already uses {email}.", field="email")
    check_start_year(data.start_year, data.roles)
    for model, value, field in (
        (Track, data.track_id, "track_id"),
        (Firm, data.firm_id, "firm_id"),
    ):
        if value is not None and db.session.get(model, value) is None:
            raise DomainError(f"That {model.__name__.lower()} does not exist.", field=field)
    return UserData(email, name, set(data.roles), data.start_year, data.track_id, data.firm_id)


def create_user(actor, data: UserData, password: str | None = None) -> User:
    """Add an account. Without a password nobody can sign in until an admin sets one."""
    data = _check(data)
    user = User(
        email=data.email,
        name=data.name,
        start_year=data.start_year,
        track_id=data.track_id,
        firm_id=data.firm_id,
        password_hash="",  # nosec B106 - no password yet: nobody can sign in
    )
    if password:
        check_password_strength(password, user)
        user.set_password(password)
    user.set_roles(data.roles)
    db.session.add(user)
    db.session.flush()
    record(actor, "user_created", user, after=_snapshot(user))
    if user.is_resident:
        program.bump_counter()
    return user


def update_user(actor, user: User, data: UserData) -> User:
    """Change an account's details and roles; role changes are audited."""
    data = _check(data, user_id=user.id)
    if actor is not None and actor.id == user.id and Role.ADMIN not in data.roles:
        raise DomainError("You cannot remove your own admin role.", field="roles")
    before_facts = _feed_facts(user)
    before = _snapshot(user)
    old_roles = user.roles
    user.email = data.email
    user.name = data.name
    user.start_year = data.start_year
    user.track_id = data.track_id
    user.firm_id = data.firm_id
    user.set_roles(data.roles)
    db.session.flush()
    # The relationships follow the ids on the next load.
    db.session.refresh(user, ["track", "firm"])
    after = _snapshot(user)
    if old_roles - data.roles:
        access_reduced.send(user)
    if old_roles != data.roles:
        record(
            actor,
            "roles_changed",
            user,
            before={"roles": _role_names(old_roles)},
            after={"roles": _role_names(data.roles)},
        )
    if before != after:
        record(actor, "user_updated", user, before=before, after=after)
    if _feed_facts(user) != before_facts:
        program.bump_counter()
    return user


def set_graduation(actor, user: User, day: date | None) -> User:
    """Set (or clear, with None) a resident's own last day of residency, for an extension
    or an early finish; without one, residency ends on 30 June of the track's last year."""
    if day == user.graduates_on:
        return user
    if day is not None and user.start_year is not None:
        first = timeutil.academic_year_bounds(user.start_year)[0]
        if day < first:
            raise DomainError(
                f"The last day is before the residency starts ({first.strftime('%d %b %Y')}).",
                field="graduates_on",
            )
    before = user.graduates_on
    user.graduates_on = day
    db.session.flush()
    record(
        actor,
        "graduation_changed",
        user,
        before={"graduates_on": before.isoformat() if before else None},
        after={"graduates_on": day.isoformat() if day else None},
    )
    program.bump_counter()  # audiences and feeds follow
    return user


def set_active(actor, user: User, active: bool) -> User:
    """Deactivate (no sign-in, out of every audience) or reactivate an account."""
    if user.active == active:
        return user
    if actor is not None and actor.id == user.id and not active:
        raise DomainError("You cannot deactivate your own account.")
    user.active = active
    db.session.flush()
    record(
        actor,
        "user_reactivated" if active else "user_deactivated",
        user,
        before={"active": not active},
        after={"active": active},
    )
    if not active:
        access_reduced.send(user)
    # Every server process drops (or restores) the person's calendar feed at once, not
    # only when an audience changed: feeds of faculty and coordinators too.
    program.bump_counter()
    return user


def reset_password(actor, user: User, password: str) -> None:
    """Set a new password for someone else (the value itself is never recorded)."""
    check_password_strength(password, user)
    user.set_password(password)
    db.session.flush()
    record(actor, "password_reset", user)
    access_reduced.send(user)


def set_change_alerts(user: User, on: bool) -> bool:
    """Turn one's own short-notice change alerts on or off; True if that changed anything."""
    if user.change_alerts == on:
        return False
    user.change_alerts = on
    db.session.flush()
    return True


def _snapshot(user: User) -> dict:
    return {
        "email": user.email,
        "name": user.name,
        "roles": _role_names(user.roles),
        "start_year": user.start_year,
        "track": user.track.name if user.track else None,
        "firm": user.firm.name if user.firm else None,
        "active": user.active,
    }


# --- finding people ------------------------------------------------------------------------


@dataclass
class UserFilter:
    q: str = ""
    role: str = ""
    firm_id: int | None = None
    pgy: int | None = None
    status: str = "active"  # "active", "inactive" or "all"


def users_query(filters: UserFilter) -> Select[tuple[User]]:
    """People matching the admin list's search and filters, by name."""
    query = select(User)
    text = filters.q.strip().lower()
    if text:
        pattern = f"%{text}%"
        query = query.where(or_(func.lower(User.name).like(pattern), User.email.like(pattern)))
    if filters.role:
        query = query.where(
            exists().where(UserRole.user_id == User.id, UserRole.role == filters.role)
        )
    if filters.firm_id:
        query = query.where(User.firm_id == filters.firm_id)
    if filters.pgy:
        year = timeutil.current_academic_year()
        query = query.where(User.start_year == year - filters.pgy + 1)
    if filters.status == "active":
        query = query.where(User.active.is_(True))
    elif filters.status == "inactive":
        query = query.where(User.active.is_(False))
    return query.order_by(func.lower(User.name), User.id)


def role_counts() -> dict[str, int]:
    """Active accounts per role, plus ``inactive`` and ``total`` (all accounts)."""
    rows = db.session.execute(
        select(UserRole.role, func.count())
        .join(User, User.id == UserRole.user_id)
        .where(User.active.is_(True))
        .group_by(UserRole.role)
    )
    counts = {role.value: 0 for role in Role}
    counts.update(dict(rows.all()))
    counts["inactive"] = db.session.scalar(
        select(func.count()).select_from(User).where(User.active.is_(False))
    )
    counts["total"] = db.session.scalar(select(func.count()).select_from(User))
    return counts


def firms(active_only: bool = False) -> list[Firm]:
    query = select(Firm).order_by(Firm.name)
    if active_only:
        query = query.where(Firm.active.is_(True))
    return list(db.session.scalars(query))


def tracks(active_only: bool = False) -> list[Track]:
    query = select(Track).order_by(Track.name)
    if active_only:
        query = query.where(Track.active.is_(True))
    return list(db.session.scalars(query))


def member_counts(model: type[Firm] | type[Track]) -> dict[int, int]:
    """Active residents per firm (or track) id."""
    column = User.firm_id if model is Firm else User.track_id
    rows = db.session.execute(
        select(column, func.count())
        .where(column.is_not(None), User.active.is_(True))
        .group_by(column)
    )
    return dict(rows.all())


# --- firms and tracks ----------------------------------------------------------------------

GROUP_MODELS: dict[str, type[Firm] | type[Track]] = {"firm": Firm, "track": Track}


def _group_name(model, name: str, except_id: int | None = None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise DomainError("A name is needed.", field="name")
    query = select(model.id).where(func.lower(model.name) == name.lower())
    if except_id is not None:
        query = query.where(model.id != except_id)
    if db.session.scalar(query) is not None:
        kind = model.__name__.lower()
        raise DomainError(f"There is already a {kind} called {name}.", field="name")
    return name


def add_group(actor, kind: str, name: str) -> Firm | Track:
    """Add a firm or a track."""
    model = GROUP_MODELS[kind]
    group = model(name=_group_name(model, name), active=True)
    db.session.add(group)
    db.session.flush()
    record(actor, f"{kind}_created", group, after={"name": group.name})
    return group


def rename_group(actor, group: Firm | Track, name: str) -> Firm | Track:
    before = group.name
    group.name = _group_name(type(group), name, except_id=group.id)
    db.session.flush()
    name = group.name
    if name != before:
        record(
            actor, f"{_kind(group)}_renamed", group, before={"name": before}, after={"name": name}
        )
        # Feeds show firm names in audience descriptions.
        program.bump_counter()
    return group


def set_track_years(actor, track: Track, years: int) -> Track:
    """How many academic years residents on ``track`` stay (a preliminary year: 1);
    the day after the last one, they are alumni."""
    if not 1 <= years <= 7:
        raise DomainError("A track lasts 1 to 7 years.", field="years")
    before = track.years
    if years != before:
        track.years = years
        db.session.flush()
        record(
            actor, "track_length_changed", track, before={"years": before}, after={"years": years}
        )
        program.bump_counter()  # audiences and feeds follow
    return track


def set_group_active(actor, group: Firm | Track, active: bool) -> Firm | Track:
    """Retire a firm or track (kept for history; no longer offered) or bring it back."""
    if group.active != active:
        group.active = active
        db.session.flush()
        action = f"{_kind(group)}_{'reactivated' if active else 'deactivated'}"
        record(actor, action, group, before={"active": not active}, after={"active": active})
    return group


def _kind(group: Firm | Track) -> str:
    return "firm" if isinstance(group, Firm) else "track"


# --- program settings ----------------------------------------------------------------------

SETTING_LIMITS: dict[str, tuple[int, int]] = {
    "release_cutoff_days": (0, 90),
    "checkin_opens_minutes": (0, 240),
    "checkin_closes_minutes": (0, 480),
    "checkin_grace_minutes": (0, 240),
    "claim_window_days": (0, 365),
    "reminder_days_before": (0, 60),
    "change_alert_hours": (0, 336),
}


ALUMNI_FEED_CHOICES = ("past", "stop")


def update_settings(actor, **values) -> ProgramSettings:
    """Change program settings (name, cut-offs, check-in window...); audited."""
    settings = program.get_settings()
    if "name" in values:
        values["name"] = " ".join((values["name"] or "").split())
        if not values["name"]:
            raise DomainError("The program needs a name.", field="name")
    if "alumni_feed" in values and values["alumni_feed"] not in ALUMNI_FEED_CHOICES:
        raise DomainError("Choose what happens to a graduate's feed.", field="alumni_feed")
    for key, (low, high) in SETTING_LIMITS.items():
        if key in values and not low <= int(values[key]) <= high:
            raise DomainError(f"Use a number from {low} to {high}.", field=key)
    grace = values.get("checkin_grace_minutes", settings.checkin_grace_minutes)
    closes = values.get("checkin_closes_minutes", settings.checkin_closes_minutes)
    if grace > closes:
        raise DomainError(
            "The grace period must end before check-in closes.", field="checkin_grace_minutes"
        )
    before, after = {}, {}
    for key, value in values.items():
        if not hasattr(ProgramSettings, key) or key == "id":
            raise KeyError(key)
        if getattr(settings, key) != value:
            before[key], after[key] = getattr(settings, key), value
            setattr(settings, key, value)
    db.session.flush()
    if after:
        record(actor, "settings_changed", settings, before=before, after=after)
    if "name" in after or "alumni_feed" in after:
        program.bump_counter()  # feeds are named after the program; graduates' feeds
    return settings


def set_year_threshold(actor, start_year: int, percent: int):
    """The attendance threshold of one academic year; other years keep theirs."""
    before = program.threshold_for(start_year)
    row = program.set_threshold(start_year, percent)
    if before != percent:
        record(
            actor,
            "threshold_changed",
            row,
            before={"year": start_year, "percent": before},
            after={"year": start_year, "percent": percent},
            note=timeutil.academic_year_label(start_year),
        )
    return row


def admin_overview() -> dict:
    """What the admin home shows: accounts per role, and how many firms and tracks exist."""
    return {
        "counts": role_counts(),
        "firms": db.session.scalar(
            select(func.count()).select_from(Firm).where(Firm.active.is_(True))
        ),
        "tracks": db.session.scalar(
            select(func.count()).select_from(Track).where(Track.active.is_(True))
        ),
    }
