"""``flask demo-data``: a realistic, deterministic demo program.

Each domain fills its own part, in dependency order, from one shared context
(seeded random generator, the demo's "today"), so runs are repeatable.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import date

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from conferences import timeutil
from conferences.extensions import db
from conferences.people.models import User

DEMO_PASSWORD = "demo-password"  # noqa: S105  # nosec B105 - published demo credential
DEMO_ACCOUNTS = {
    "admin": "admin@demo.test",
    "coordinator": "coordinator@demo.test",
    "faculty": "faculty@demo.test",
    "resident": "resident@demo.test",
}


@dataclass
class DemoContext:
    rng: random.Random
    today: date
    academic_year: int
    # Shared between loaders: e.g. the people loader leaves the users it made here.
    data: dict = field(default_factory=dict)
    # The published demo sign-ins, handed to the people loader (domains do not import this
    # app-level module).
    accounts: dict[str, str] = field(default_factory=lambda: dict(DEMO_ACCOUNTS))
    password: str = DEMO_PASSWORD

    def log(self, message: str) -> None:
        click.echo(message)


def loaders():
    # Imported here, not at the top: this module is loaded at every start-up (it registers
    # `flask demo-data`), and the loaders bring Faker (about 0.4 s) that only loading needs.
    from conferences.attendance import demo as attendance_demo
    from conferences.attendance import excusal_demo
    from conferences.materials import demo as materials_demo
    from conferences.people import demo as people_demo
    from conferences.rotations import demo as rotations_demo
    from conferences.schedule import demo as schedule_demo
    from conferences.teaching import demo as teaching_demo

    return [
        people_demo,
        rotations_demo,
        schedule_demo,
        teaching_demo,
        attendance_demo,
        excusal_demo,
        materials_demo,
    ]


def database_is_empty() -> bool:
    return (db.session.scalar(select(func.count()).select_from(User)) or 0) == 0


def load_demo(seed: int = 2026) -> DemoContext:
    """Fill an empty database with the demo program (the caller commits)."""
    today = timeutil.local_today()
    ctx = DemoContext(
        rng=random.Random(seed),  # nosec B311 - repeatable demo data, not security
        today=today,
        academic_year=timeutil.academic_year_of(today),
    )
    for loader in loaders():
        started = time.perf_counter()
        loader.load(ctx)
        db.session.flush()
        part = (
            loader.__name__.rsplit(".", 1)[-1].removesuffix("demo").strip("_")
            or loader.__name__.split(".")[-2]
        )
        ctx.log(f"  {part:<12} {time.perf_counter() - started:5.1f} s")
    return ctx


@click.command("demo-data")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database has users.")
@click.option("--seed", default=2026, show_default=True)
@with_appcontext
def demo_data(if_empty: bool, seed: int) -> None:
    """Load the demo program (about 190 residents, a full academic year)."""
    if not database_is_empty():
        if if_empty:
            click.echo("Database already has data; demo data not loaded.")
            return
        raise click.ClickException("The database is not empty; demo data needs an empty one.")
    click.echo("Loading demo data...")
    load_demo(seed)
    db.session.commit()
    click.echo("Demo accounts (password: demo-password): " + ", ".join(DEMO_ACCOUNTS.values()))
