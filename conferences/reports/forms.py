"""The report filter form: a GET form, so links and exports keep the filters."""

from __future__ import annotations

from wtforms import DateField, SelectField
from wtforms.validators import Optional

from conferences import timeutil
from conferences.formutil import PageForm, choices

PGY_CHOICES = choices([("", "All classes"), ("1", "PGY-1"), ("2", "PGY-2"), ("3", "PGY-3")])


class ReportFilterForm(PageForm):
    class Meta:
        csrf = False  # read-only GET form

    start = DateField("From", validators=[Optional()])
    end = DateField("To", validators=[Optional()])
    firm = SelectField("Firm", choices=[], validators=[Optional()], validate_choice=False)
    pgy = SelectField("Class", choices=PGY_CHOICES, validators=[Optional()], validate_choice=False)
    series = SelectField("Series", choices=[], validators=[Optional()], validate_choice=False)

    # (label, query arguments, chosen) per academic year, for the picker links.
    year_links: list[tuple[str, dict, bool]] = []

    def fill_years(self, filters, years: list[int]) -> None:
        """Links to each academic year, keeping the other filters."""
        keep = {k: v for k, v in filters.to_args().items() if k not in ("start", "end")}
        self.year_links = [
            (
                timeutil.academic_year_label(year),
                {**keep, "year": str(year)},
                (filters.start_on, filters.end_on) == timeutil.academic_year_bounds(year),
            )
            for year in years
        ]

    def fill(self, filters, firms, series) -> None:
        self.start.data = filters.start_on
        self.end.data = filters.end_on
        self.firm.choices = choices([("", "All firms"), *((str(i), n) for i, n in firms)])
        self.firm.data = str(filters.firm_id or "")
        self.pgy.data = str(filters.pgy or "")
        self.series.choices = choices([("", "All series"), *((str(i), n) for i, n in series)])
        self.series.data = str(filters.series_id or "")
