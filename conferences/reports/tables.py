"""Report tables: the plain rows every report page shows and every export writes, so a
page and its CSV/Excel file never disagree; and how a rate is written."""

from __future__ import annotations

from dataclasses import dataclass, field

from conferences.attendance import rules


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "text"  # text | int | percent | date | number


@dataclass
class Table:
    name: str
    title: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    # Optional link per row (for pages only; exports ignore it).
    links: list[str | None] = field(default_factory=list)
    empty: str = "Nothing to show for these filters."

    def column(self, key: str) -> list:
        index = [c.key for c in self.columns].index(key)
        return [row[index] for row in self.rows]


RATE_COLUMNS = [
    Column("expected", "Expected", "int"),
    Column("attended", "Attended", "int"),
    Column("rate", "Rate", "percent"),
]


@dataclass
class Tally:
    expected: int = 0
    attended: int = 0

    @property
    def rate(self) -> float | None:
        return rules.rate(self.attended, self.expected)


def percent(value: float | None) -> str:
    """A rate as pages, e-mails and exports write it (``rules.format_percent``)."""
    return rules.format_percent(value)
