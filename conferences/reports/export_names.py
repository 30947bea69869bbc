"""What an export is called: its file name and the title inside it carry every filter.

``residents-2026-07-01-2027-06-30-pgy-1-osler-firm-noon-conference.xlsx`` and, inside,
"Attendance 2026-07-01 to 2027-06-30 · PGY-1 · Osler firm · Noon Conference": a file
saved or mailed on is never mistaken for the whole program's figures.
"""

from __future__ import annotations

import re
import unicodedata

from conferences.extensions import db
from conferences.people.models import Firm
from conferences.reports.filters import Filters
from conferences.schedule.models import Series

MAX_STEM = 150


def filter_words(filters: Filters) -> list[str]:
    """The filters other than the dates, in words, in the form's order."""
    words: list[str] = []
    if filters.pgy is not None:
        words.append(f"PGY-{filters.pgy}")
    if filters.firm_id is not None:
        firm = db.session.get(Firm, filters.firm_id)
        name = firm.name if firm else f"firm #{filters.firm_id}"
        words.append(name if name.lower().endswith("firm") else f"{name} firm")
    if filters.series_id is not None:
        series = db.session.get(Series, filters.series_id)
        words.append(series.title if series else f"series #{filters.series_id}")
    return words


def title(filters: Filters, what: str = "Attendance") -> str:
    """``Attendance 2026-07-01 to 2027-06-30 · PGY-1 · Osler firm``."""
    return " · ".join([f"{what} {filters.describe()}", *filter_words(filters)])


def slug(text: str) -> str:
    """Plain ASCII for a file name: "Müller Firm" -> "muller-firm"."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")


def file_stem(prefix: str, filters: Filters) -> str:
    """``prefix-start-end`` followed by the other filters (no extension)."""
    parts = [prefix, filters.start_on.isoformat(), filters.end_on.isoformat()]
    parts += [slug(word) for word in filter_words(filters)]
    return "-".join(part for part in parts if part)[:MAX_STEM].rstrip("-")
