"""Demo data for the people domain: firms, tracks and about 240 people.

Deterministic: names come from Faker seeded from ``ctx.rng``. Every demo account
shares one password hash (computed once; hashing hundreds of passwords is slow).
"""

from __future__ import annotations

import re
import unicodedata

from faker import Faker
from werkzeug.security import generate_password_hash

from conferences.extensions import db
from conferences.people.models import Firm, Role, Track, User
from conferences.program.services import get_settings

FIRMS = ("Osler", "Peabody", "Janeway", "Longcope", "Thayer")
CATEGORICAL, PRIMARY_CARE, PRELIMINARY = "Categorical", "Primary Care", "Preliminary"
TRACKS = (CATEGORICAL, PRIMARY_CARE, PRELIMINARY)
# Residents per PGY level (PGY-1 includes the demo resident) and per special track.
CLASS_SIZES = {1: 64, 2: 63, 3: 63}
PRIMARY_CARE_PER_CLASS = 10
PRELIMINARY_INTERNS = 12  # preliminary residents stay one year only
FACULTY = 44  # including the demo faculty account
GRADUATED_CLASS = 60  # last year's PGY-3s, now alumni
EMAIL_DOMAIN = "demo.test"


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z]+", "", ascii_text.lower())


class _People:
    """Builds users with unique addresses and the shared password hash."""

    def __init__(self, ctx, password_hash: str):
        self.fake = Faker("en_US")
        self.fake.seed_instance(ctx.rng.randrange(2**32))
        self.password_hash = password_hash
        self.emails: set[str] = set(ctx.accounts.values())

    def make(self, roles: set[Role], name: str | None = None, email: str | None = None, **kw):
        if name is None:
            name = f"{self.fake.first_name()} {self.fake.last_name()}"
        if email is None:
            first, last = name.split(" ", 1)
            base = f"{_slug(first)}.{_slug(last)}"
            email, n = f"{base}@{EMAIL_DOMAIN}", 1
            while email in self.emails:
                n += 1
                email = f"{base}{n}@{EMAIL_DOMAIN}"
        self.emails.add(email)
        user = User(email=email, name=name, password_hash=self.password_hash, **kw)
        user.set_roles(roles)
        db.session.add(user)
        return user


def load(ctx) -> None:
    """Firms, tracks, residents in three classes, faculty, coordinators and an admin.

    The published demo sign-ins (``ctx.accounts``, ``ctx.password``) come from the app-level
    demo that calls this loader.
    """
    rng = ctx.rng
    get_settings()
    firms = [Firm(name=name) for name in FIRMS]
    tracks = {name: Track(name=name) for name in TRACKS}
    tracks[PRELIMINARY].years = 1
    db.session.add_all([*firms, *tracks.values()])
    db.session.flush()

    people = _People(ctx, generate_password_hash(ctx.password))
    year = ctx.academic_year
    residents: list[User] = []

    demo_resident = people.make(
        {Role.RESIDENT},
        name="Riley Resident",
        email=ctx.accounts["resident"],
        start_year=year,
        track_id=tracks[CATEGORICAL].id,
        firm_id=firms[0].id,
    )
    residents.append(demo_resident)
    chief = None
    for pgy, size in CLASS_SIZES.items():
        count = size - (1 if pgy == 1 else 0)
        track_names = [PRIMARY_CARE] * PRIMARY_CARE_PER_CLASS
        if pgy == 1:
            track_names += [PRELIMINARY] * PRELIMINARY_INTERNS
        track_names += [CATEGORICAL] * (count - len(track_names))
        rng.shuffle(track_names)
        firm_order = [firms[i % len(firms)] for i in range(count)]
        rng.shuffle(firm_order)
        for index, (track_name, firm) in enumerate(zip(track_names, firm_order, strict=True)):
            roles = {Role.RESIDENT}
            # One senior is also chief resident: a resident and a coordinator.
            is_chief = pgy == 3 and index == 0
            if is_chief:
                roles.add(Role.COORDINATOR)
            resident = people.make(
                roles,
                start_year=year - pgy + 1,
                track_id=tracks[track_name].id,
                firm_id=firm.id,
            )
            residents.append(resident)
            if is_chief:
                chief = resident

    # Last year's PGY-3s: alumni since 1 July, with their records in last year's reports.
    alumni = []
    for index in range(GRADUATED_CLASS):
        track = PRIMARY_CARE if index < PRIMARY_CARE_PER_CLASS else CATEGORICAL
        alumni.append(
            people.make(
                {Role.RESIDENT},
                start_year=year - 3,
                track_id=tracks[track].id,
                firm_id=firms[index % len(firms)].id,
            )
        )

    faculty = [people.make({Role.FACULTY}, name="Frances Faculty", email=ctx.accounts["faculty"])]
    faculty += [people.make({Role.FACULTY}) for _ in range(FACULTY - 1)]

    coordinators = [
        people.make(
            {Role.COORDINATOR}, name="Casey Coordinator", email=ctx.accounts["coordinator"]
        ),
        people.make({Role.COORDINATOR}),
        people.make({Role.COORDINATOR}),
        chief,
    ]
    admin = people.make({Role.ADMIN}, name="Alex Admin", email=ctx.accounts["admin"])
    db.session.flush()

    ctx.data.update(
        {
            "firms": firms,
            "tracks": list(tracks.values()),
            "residents": residents,
            "alumni": alumni,
            "faculty": faculty,
            "coordinators": coordinators,
            "chief_resident": chief,
            "admin": admin,
            "demo_users": {
                "admin": admin,
                "coordinator": coordinators[0],
                "faculty": faculty[0],
                "resident": demo_resident,
            },
        }
    )
    ctx.log(
        f"  people: {len(residents)} residents, {len(alumni)} alumni, {len(faculty)} faculty, "
        f"{len(coordinators)} coordinators, {len(firms)} firms, {len(tracks)} tracks"
    )
